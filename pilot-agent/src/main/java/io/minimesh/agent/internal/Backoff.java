package io.minimesh.agent.internal;

import java.time.Duration;

/**
 * Restart delays: {@code initial * 2^attempt}, capped at {@code max}; the attempt count starts over
 * once the proxy has stayed up for {@code resetAfter}.
 */
record Backoff(Duration initial, Duration max, Duration resetAfter) {
  static final Backoff DEFAULT =
      new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));

  Backoff {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < initial <= max");
    }
  }

  Duration delay(int attempt) {
    Duration d = initial;
    for (int i = 0; i < attempt && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
