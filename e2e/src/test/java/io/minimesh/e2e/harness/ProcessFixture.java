package io.minimesh.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One started child process: its output (stdout and stderr interleaved) goes to its log file; it is
 * stopped with its whole process tree on teardown, or by the JVM shutdown hook if the run is
 * interrupted.
 */
public final class ProcessFixture implements AutoCloseable {

  /** Every live process the harness started, for the shutdown hook. */
  private static final Set<ProcessHandle> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (ProcessHandle p : LIVE) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }, "e2e-process-reaper"));
  }

  /** Prefix of the lines the harness itself writes into a process log. */
  static final String HEADER = "#e2e# ";

  private final ProcessSpec spec;
  private final Path log;
  private final Process process;
  private volatile boolean stopped;

  private ProcessFixture(ProcessSpec spec, Path log, Process process) {
    this.spec = spec;
    this.log = log;
    this.process = process;
  }

  /** Starts spec, logging to log, and waits for its readiness; on failure the process is gone. */
  static ProcessFixture start(ProcessSpec spec, Path log) {
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, HEADER + Instant.now() + " started: " + String.join(" ", spec.command()) + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ProcessBuilder pb = new ProcessBuilder(spec.command())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(spec.env());
    if (spec.directory() != null) {
      pb.directory(spec.directory().toFile());
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + spec.name() + ": " + String.join(" ", spec.command()), e);
    }
    register(p.toHandle());
    ProcessFixture f = new ProcessFixture(spec, log, p);
    try {
      f.awaitReady();
    } catch (RuntimeException | Error e) {
      f.close();
      throw e;
    }
    return f;
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + spec.startTimeout().toNanos();
    Exception last = null;
    while (true) {
      try {
        if (spec.readiness().isReady(this)) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      if (!process.isAlive()) {
        throw new ProcessStartException(spec.name() + " exited with code " + process.exitValue()
            + " before it was ready (" + spec.readiness().describe() + ")", this);
      }
      if (Poll.nanosLeft(deadline) == 0) {
        throw new ProcessStartException(spec.name() + " not ready after " + spec.startTimeout().toMillis()
            + " ms (" + spec.readiness().describe() + (last == null ? "" : "; last error: " + last) + ")", this);
      }
      try {
        process.waitFor(Poll.INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting " + spec.name(), e);
      }
    }
  }

  public String name() {
    return spec.name();
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public ProcessSpec spec() {
    return spec;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code, once exited. */
  public Optional<Integer> exitCode() {
    return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(spec.name() + " still running after " + timeout.toMillis() + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return process.exitValue();
  }

  /** The whole log so far. */
  public String logText() {
    try {
      return new String(Files.readAllBytes(log), StandardCharsets.UTF_8); // lenient on bad bytes
    } catch (IOException e) {
      return "";
    }
  }

  public List<String> logLines() {
    return List.of(logText().split("\n", -1));
  }

  /** The last n lines of the log. */
  public List<String> tail(int n) {
    List<String> lines = logLines();
    return new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  /** The first log line in which pattern is found. */
  public Optional<MatchResult> findLogLine(Pattern pattern) {
    for (String line : logLines()) {
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return Optional.of(m.toMatchResult());
      }
    }
    return Optional.empty();
  }

  /** Waits until a log line matches regex and returns the match (groups usable). */
  public MatchResult awaitLogLine(String regex, Duration timeout) {
    Pattern p = Pattern.compile(regex);
    Poll.until(spec.name() + " log line /" + regex + "/", timeout, () -> findLogLine(p).isPresent());
    return findLogLine(p).orElseThrow();
  }

  /** Sends SIGTERM to the process (only), e.g. to test a graceful shutdown. */
  public void terminate() {
    process.destroy();
  }

  /** Stops the process tree: SIGTERM, then SIGKILL after the spec's grace period. Idempotent. */
  @Override
  public void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    killTree(process.toHandle(), spec.stopGrace());
    unregister(process.toHandle());
  }

  static void register(ProcessHandle p) {
    LIVE.add(p);
  }

  static void unregister(ProcessHandle p) {
    LIVE.remove(p);
  }

  /** SIGTERM to root and every descendant (listed before the root dies and they are re-parented). */
  static void killTree(ProcessHandle root, Duration grace) {
    List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
    tree.add(0, root);
    if (grace.isZero()) {
      tree.forEach(ProcessHandle::destroyForcibly);
    } else {
      tree.forEach(ProcessHandle::destroy);
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle p : tree) {
      try {
        p.onExit().get(Math.max(1, Poll.millis(Poll.nanosLeft(deadline))), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    }
    for (ProcessHandle p : tree) {
      try {
        p.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // A process that survives SIGKILL for 5 s is stuck in the kernel; nothing more to do.
      }
    }
  }

  @Override
  public String toString() {
    return spec.name() + "[pid " + process.pid() + "]";
  }

  /** A process that failed to start or become ready; the message ends with its log tail. */
  public static final class ProcessStartException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ProcessStartException(String message, ProcessFixture p) {
      super(message + "\n--- last lines of " + p.log() + ":\n" + String.join("\n", p.tail(50)));
    }
  }
}
