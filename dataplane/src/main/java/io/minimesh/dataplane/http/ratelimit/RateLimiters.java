package io.minimesh.dataplane.http.ratelimit;

import io.minimesh.dataplane.stats.StatsRegistry;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out rate limiters for a config scope (listener, virtual host or route). A scope whose limit
 * is unchanged by a config update gets the same bucket back, so an update does not refill it; a
 * bucket no compiled config uses any more is collected.
 */
public final class RateLimiters {
  private record Key(String scope, LocalRateLimitConfig config) {}

  private final StatsRegistry stats;
  private final ConcurrentHashMap<Key, WeakReference<TokenBucket>> buckets = new ConcurrentHashMap<>();

  public RateLimiters(StatsRegistry stats) {
    this.stats = stats;
  }

  public LocalRateLimiter limiter(String scope, LocalRateLimitConfig config) {
    buckets.values().removeIf(r -> r.get() == null);
    Key key = new Key(scope, config);
    TokenBucket b = null;
    WeakReference<TokenBucket> ref = buckets.get(key);
    if (ref != null) b = ref.get();
    if (b == null) {
      b = new TokenBucket(config.maxTokens(), config.tokensPerFill(), config.fillIntervalNanos());
      buckets.put(key, new WeakReference<>(b));
    }
    String p = config.statPrefix() + ".http_local_rate_limit.";
    return new LocalRateLimiter(config, b, stats.counter(p + "enabled"), stats.counter(p + "enforced"),
        stats.counter(p + "ok"), stats.counter(p + "rate_limited"));
  }
}
