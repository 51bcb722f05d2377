package io.minimesh.dataplane.xds;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that owns the xDS client's state, its timers and its clock. Tasks given to
 * {@link #execute} and {@link #schedule} run one at a time, in order. Tests supply a scheduler
 * whose time they advance by hand.
 */
public interface XdsScheduler {
  /** Runs {@code task} on the owning thread. */
  void execute(Runnable task);

  /** Runs {@code task} on the owning thread after {@code delay}. */
  Cancellable schedule(Duration delay, Runnable task);

  Instant now();

  /** Stops the scheduler (pending timers are dropped). */
  void shutdown();

  /** A pending timer. */
  interface Cancellable {
    void cancel();
  }

  /** A daemon single-thread scheduler on the system clock. */
  static XdsScheduler system() {
    ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "minimesh-xds");
      t.setDaemon(true);
      return t;
    });
    Clock clock = Clock.systemUTC();
    return new XdsScheduler() {
      @Override
      public void execute(Runnable task) {
        exec.execute(task);
      }

      @Override
      public Cancellable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> f = exec.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }

      @Override
      public Instant now() {
        return clock.instant();
      }

      @Override
      public void shutdown() {
        exec.shutdownNow();
      }
    };
  }
}
