package io.minimesh.dataplane.http.ratelimit;

/**
 * Envoy's local rate limit token bucket: starts full, gains {@code tokensPerFill} every
 * {@code fillInterval} up to {@code maxTokens}. Refills are computed from the caller's clock when a
 * token is asked for (the same tokens a fill timer would have added), so tests drive time and no
 * timer runs. Shared by all event loops of the proxy, hence the lock.
 */
public final class TokenBucket {
  private final long maxTokens;
  private final long tokensPerFill;
  private final long fillIntervalNanos;
  private long tokens;
  private long lastFillNanos;
  private boolean started;

  public TokenBucket(long maxTokens, long tokensPerFill, long fillIntervalNanos) {
    if (maxTokens <= 0 || tokensPerFill <= 0 || fillIntervalNanos <= 0) {
      throw new IllegalArgumentException("token bucket values must be positive");
    }
    this.maxTokens = maxTokens;
    this.tokensPerFill = tokensPerFill;
    this.fillIntervalNanos = fillIntervalNanos;
    this.tokens = maxTokens;
  }

  /** Takes one token if there is one at {@code nowNanos} (a monotonic clock). */
  public synchronized boolean tryConsume(long nowNanos) {
    refill(nowNanos);
    if (tokens <= 0) return false;
    tokens--;
    return true;
  }

  /** Tokens left at {@code nowNanos}. */
  public synchronized long available(long nowNanos) {
    refill(nowNanos);
    return tokens;
  }

  private void refill(long now) {
    if (!started) {
      started = true;
      lastFillNanos = now;
      return;
    }
    long elapsed = now - lastFillNanos;
    if (elapsed < fillIntervalNanos) return;
    long fills = elapsed / fillIntervalNanos;
    lastFillNanos += fills * fillIntervalNanos;
    long add = fills > maxTokens / tokensPerFill + 1 ? maxTokens : fills * tokensPerFill;
    tokens = Math.min(maxTokens, tokens + add);
  }
}
