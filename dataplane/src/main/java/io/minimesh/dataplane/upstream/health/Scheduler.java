package io.minimesh.dataplane.upstream.health;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/** Delayed execution on the checker's single thread (an event loop in the proxy, fake in tests). */
public interface Scheduler {
  /** Runs {@code task} after {@code delayNanos}; the returned handle cancels it. */
  Runnable schedule(Runnable task, long delayNanos);

  /** Schedules on a Netty event loop (the same one the {@link NettyProber} uses). */
  static Scheduler of(EventExecutor executor) {
    return (task, delayNanos) -> {
      io.netty.util.concurrent.Future<?> f =
          executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }
}
