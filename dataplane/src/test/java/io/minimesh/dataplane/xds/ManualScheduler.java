package io.minimesh.dataplane.xds;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A scheduler whose time only moves when the test says so; tasks still run on one real thread. */
final class ManualScheduler implements XdsScheduler {
  private final ExecutorService exec = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-xds"));
  private final List<Timer> timers = new ArrayList<>();
  /** Every delay ever scheduled, in order (reconnect backoff, warming timeouts). */
  final List<Duration> scheduled = new CopyOnWriteArrayList<>();
  private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private record Timer(Instant due, Runnable task) {}

  @Override
  public void execute(Runnable task) {
    exec.execute(task);
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    Timer t = new Timer(now.plus(delay), task);
    timers.add(t);
    scheduled.add(delay);
    return () -> {
      synchronized (this) {
        timers.remove(t);
      }
    };
  }

  @Override
  public Instant now() {
    return now;
  }

  @Override
  public void shutdown() {
    exec.shutdownNow();
  }

  /** Moves time forward, runs the timers that came due, and waits until the owning thread is idle. */
  void advance(Duration d) {
    List<Timer> due = new ArrayList<>();
    synchronized (this) {
      now = now.plus(d);
      for (Timer t : timers) if (!t.due.isAfter(now)) due.add(t);
      timers.removeAll(due);
    }
    due.sort(Comparator.comparing(Timer::due));
    for (Timer t : due) exec.execute(t.task);
    idle();
  }

  synchronized int pendingTimers() {
    return timers.size();
  }

  /** Waits until tasks queued so far have run. */
  void idle() {
    try {
      exec.submit(() -> {}).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }
}
