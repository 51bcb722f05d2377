package io.minimesh.agent.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the proxy as a child process: restarts it with exponential backoff when it dies, and on
 * shutdown drains it (admin {@code /drain_listeners}), waits the drain time, then SIGTERM, then
 * SIGKILL after a grace period. All mutable state is owned by the {@link Scheduler}'s tasks; other
 * threads read the published {@link Status}.
 */
final class ProxySupervisor {
  private static final Logger log = LoggerFactory.getLogger(ProxySupervisor.class);

  /** What readiness and metrics see; replaced as a whole. */
  record Status(
      boolean running,
      long pid,
      int generation,
      int restarts,
      long startedAtNanos,
      Integer lastExitCode,
      boolean stopping) {}

  private final List<String> command;
  private final ProcessLauncher launcher;
  private final Scheduler scheduler;
  private final Backoff backoff;
  private final Supplier<CompletionStage<Boolean>> drainer;
  private final Duration drainTime;
  private final Duration killGrace;
  private final CompletableFuture<Integer> terminated = new CompletableFuture<>();

  // Owned by scheduler tasks.
  private Process current;
  private long startedAt;
  private int attempt;
  private int generation;
  private int restarts;
  private Integer lastExitCode;
  private Scheduler.Cancellable pendingRestart;
  private boolean stopping;
  private boolean terminating;

  private volatile Status status = new Status(false, -1, 0, 0, 0, null, false);

  /**
   * @param drainer starts a graceful drain of the running proxy; completes with false (or
   *     exceptionally) when the proxy could not be asked, in which case it is signalled at once
   */
  ProxySupervisor(
      List<String> command,
      ProcessLauncher launcher,
      Scheduler scheduler,
      Backoff backoff,
      Supplier<CompletionStage<Boolean>> drainer,
      Duration drainTime,
      Duration killGrace) {
    this.command = List.copyOf(command);
    this.launcher = launcher;
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.drainer = drainer;
    this.drainTime = drainTime;
    this.killGrace = killGrace;
  }

  void start() {
    scheduler.execute(this::launch);
  }

  /** Drains and stops the proxy; completes with its last exit code (or -1 if it never ran). */
  CompletableFuture<Integer> shutdown() {
    scheduler.execute(this::beginShutdown);
    return terminated;
  }

  CompletableFuture<Integer> terminated() {
    return terminated;
  }

  Status status() {
    return status;
  }

  private void launch() {
    pendingRestart = null;
    if (stopping) {
      return;
    }
    Process p;
    try {
      p = launcher.start(command);
    } catch (IOException | RuntimeException e) {
      log.error("cannot start proxy {}: {}", command, e.getMessage());
      startedAt = scheduler.nanoTime();
      lastExitCode = 127;
      scheduleRestart();
      return;
    }
    current = p;
    startedAt = scheduler.nanoTime();
    generation++;
    log.info("proxy started (pid {}): {}", p.pid(), String.join(" ", command));
    publish();
    // Registered last: a process that already exited calls back at once.
    p.onExit().thenAccept(done -> scheduler.execute(() -> onExit(done)));
  }

  private void onExit(Process p) {
    if (p != current) {
      return;
    }
    current = null;
    lastExitCode = p.exitValue();
    if (stopping) {
      log.info("proxy exited with code {}", lastExitCode);
      publish();
      terminated.complete(lastExitCode);
      return;
    }
    scheduleRestart();
  }

  private void scheduleRestart() {
    long upNanos = scheduler.nanoTime() - startedAt;
    if (upNanos >= backoff.resetAfter().toNanos()) {
      attempt = 0;
    }
    Duration delay = backoff.delay(attempt++);
    log.warn("proxy exited with code {}; restarting in {}", lastExitCode, Durations.format(delay));
    publish();
    pendingRestart =
        scheduler.schedule(
            delay,
            () -> {
              if (stopping) {
                return;
              }
              restarts++;
              launch();
            });
  }

  private void beginShutdown() {
    if (stopping) {
      return;
    }
    stopping = true;
    if (pendingRestart != null) {
      pendingRestart.cancel();
      pendingRestart = null;
    }
    Process p = current;
    publish();
    if (p == null) {
      terminated.complete(lastExitCode == null ? -1 : lastExitCode);
      return;
    }
    log.info("draining proxy for up to {}", Durations.format(drainTime));
    CompletionStage<Boolean> drained;
    try {
      drained = drainer.get();
    } catch (RuntimeException e) {
      drained = CompletableFuture.failedFuture(e);
    }
    drained.whenComplete(
        (ok, err) -> {
          if (err != null || !Boolean.TRUE.equals(ok)) {
            // Nothing to drain through: the admin API is down, so stop the proxy now.
            scheduler.execute(() -> terminate(p));
          }
        });
    scheduler.schedule(drainTime, () -> terminate(p));
  }

  private void terminate(Process p) {
    if (terminating || p != current) {
      return;
    }
    terminating = true;
    log.info("stopping proxy (SIGTERM to pid {})", p.pid());
    p.destroy();
    scheduler.schedule(
        killGrace,
        () -> {
          if (p == current && p.isAlive()) {
            log.warn("proxy did not exit {} after SIGTERM; killing it", Durations.format(killGrace));
            p.destroyForcibly();
          }
        });
  }

  private void publish() {
    Process p = current;
    status =
        new Status(
            p != null, p == null ? -1 : p.pid(), generation, restarts, startedAt, lastExitCode, stopping);
  }
}
