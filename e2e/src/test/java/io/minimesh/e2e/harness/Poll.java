package io.minimesh.e2e.harness;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Polls a condition until it holds or a deadline passes: the only way the harness waits (a short
 * park between probes is polling, not synchronisation by sleep). Tests may also use Awaitility.
 */
public final class Poll {

  static final Duration INTERVAL = Duration.ofMillis(25);

  private Poll() {}

  /** Waits until condition returns true (exceptions count as "not yet"); throws naming what on timeout. */
  public static void until(String what, Duration timeout, Callable<Boolean> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    while (true) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - deadline > 0) {
        AssertionError error = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
            + (last == null ? "" : " (last error: " + last + ")"));
        if (last != null) {
          error.initCause(last);
        }
        throw error;
      }
      LockSupport.parkNanos(INTERVAL.toNanos());
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what);
      }
    }
  }

  static long nanosLeft(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
