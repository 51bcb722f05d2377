package io.minimesh.dataplane.http.ratelimit;

import io.minimesh.dataplane.stats.StatsRegistry.Counter;
import java.util.random.RandomGenerator;

/** One configured local rate limit with its (shared) bucket and stats. Thread-safe. */
public final class LocalRateLimiter {
  /** What to do with a request. */
  public enum Outcome {
    /** Not rate limited (or not enforced). */
    ALLOW,
    /** Answer with {@link LocalRateLimitConfig#status()}. */
    LIMIT
  }

  private final LocalRateLimitConfig config;
  private final TokenBucket bucket;
  private final Counter enabled;
  private final Counter enforced;
  private final Counter ok;
  private final Counter rateLimited;

  LocalRateLimiter(LocalRateLimitConfig config, TokenBucket bucket, Counter enabled, Counter enforced, Counter ok,
      Counter rateLimited) {
    this.config = config;
    this.bucket = bucket;
    this.enabled = enabled;
    this.enforced = enforced;
    this.ok = ok;
    this.rateLimited = rateLimited;
  }

  public LocalRateLimitConfig config() {
    return config;
  }

  TokenBucket bucket() {
    return bucket;
  }

  /** Envoy's order: filter_enabled decides whether a token is taken, filter_enforced whether a miss is answered. */
  public Outcome check(long nowNanos, RandomGenerator random) {
    if (!roll(config.enabledPercent(), random)) return Outcome.ALLOW;
    enabled.inc();
    if (bucket.tryConsume(nowNanos)) {
      ok.inc();
      return Outcome.ALLOW;
    }
    rateLimited.inc();
    if (!roll(config.enforcedPercent(), random)) return Outcome.ALLOW;
    enforced.inc();
    return Outcome.LIMIT;
  }

  private static boolean roll(double percent, RandomGenerator random) {
    if (percent >= 100) return true;
    if (percent <= 0) return false;
    return random.nextDouble() * 100 < percent;
  }
}
