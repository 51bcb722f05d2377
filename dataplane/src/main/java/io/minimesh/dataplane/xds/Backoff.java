package io.minimesh.dataplane.xds;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Jittered exponential backoff for reconnecting to the control plane: attempt n waits a random
 * time in [interval/2, interval] where interval = min(max, base × 2^n). Half of the interval is
 * kept so a fleet of proxies neither reconnects in lockstep nor hammers a restarting pilot.
 */
final class Backoff {
  private final long baseNanos;
  private final long maxNanos;
  private final DoubleSupplier random;
  private int attempt;

  Backoff(Duration base, Duration max, DoubleSupplier random) {
    if (base.isNegative() || base.isZero()) throw new IllegalArgumentException("backoff base must be positive");
    if (max.compareTo(base) < 0) throw new IllegalArgumentException("backoff max must be ≥ base");
    this.baseNanos = base.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  Duration next() {
    long interval = attempt >= 62 ? maxNanos : Math.min(maxNanos, baseNanos << Math.min(attempt, 40));
    if (interval <= 0) interval = maxNanos; // shift overflow
    attempt++;
    double r = Math.max(0, Math.min(1, random.getAsDouble()));
    return Duration.ofNanos(interval / 2 + (long) (r * (interval - interval / 2)));
  }

  void reset() {
    attempt = 0;
  }
}
