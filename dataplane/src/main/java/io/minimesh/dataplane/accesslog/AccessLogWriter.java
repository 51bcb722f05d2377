package io.minimesh.dataplane.accesslog;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats and writes access log lines on one background thread, so the event loops only enqueue.
 * When the queue is full, lines are dropped and counted rather than blocking a loop.
 */
public final class AccessLogWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessLogWriter.class);

  private record Item(AccessLogFormat format, String path, AccessLogEntry entry) {}

  private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(16384);
  private final ConcurrentHashMap<String, OutputStream> outputs = new ConcurrentHashMap<>();
  private final Thread thread;
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;

  public AccessLogWriter() {
    thread = new Thread(this::run, "access-log");
    thread.setDaemon(true);
    thread.start();
  }

  /** Never blocks. */
  public void log(AccessLogFormat format, String path, AccessLogEntry entry) {
    if (!queue.offer(new Item(format, path, entry))) dropped.increment();
  }

  public long dropped() {
    return dropped.sum();
  }

  private void run() {
    List<Item> batch = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Item first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) continue;
        batch.add(first);
        queue.drainTo(batch, 1023);
        for (Item it : batch) write(it);
        for (OutputStream o : outputs.values()) o.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (IOException | RuntimeException e) {
        log.warn("access log write failed: {}", e.toString());
      } finally {
        batch.clear();
      }
    }
  }

  private void write(Item it) throws IOException {
    OutputStream out =
        outputs.computeIfAbsent(
            it.path(),
            p -> {
              try {
                if (p.equals("/dev/stdout")) return System.out;
                if (p.equals("/dev/stderr")) return System.err;
                return new FileOutputStream(p, true);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    out.write(it.format().format(it.entry()).getBytes(StandardCharsets.UTF_8));
  }

  /** Waits until everything queued so far is written (tests, shutdown). */
  public void flush(long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!queue.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (OutputStream o : outputs.values()) {
      try {
        if (o != System.out && o != System.err) o.close();
        else o.flush();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
