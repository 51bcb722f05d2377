package io.minimesh.dataplane.route;

import io.minimesh.dataplane.config.InvalidConfigException;
import java.util.HashSet;
import java.util.Set;

/** A compiled Envoy retry policy. */
public final class RetryPolicy {
  public static final int ON_5XX = 1;
  public static final int ON_GATEWAY_ERROR = 1 << 1;
  public static final int ON_RESET = 1 << 2;
  public static final int ON_CONNECT_FAILURE = 1 << 3;
  public static final int ON_REFUSED_STREAM = 1 << 4;
  public static final int ON_RETRIABLE_4XX = 1 << 5;
  public static final int ON_RETRIABLE_STATUS_CODES = 1 << 6;
  public static final int ON_GRPC_CANCELLED = 1 << 7;
  public static final int ON_GRPC_DEADLINE_EXCEEDED = 1 << 8;
  public static final int ON_GRPC_INTERNAL = 1 << 9;
  public static final int ON_GRPC_RESOURCE_EXHAUSTED = 1 << 10;
  public static final int ON_GRPC_UNAVAILABLE = 1 << 11;
  public static final int ON_RETRIABLE_HEADERS = 1 << 12;

  public static final RetryPolicy NONE = new RetryPolicy(0, 0, 0, Set.of(), 25, 250, false);

  public final int retryOn;
  public final int numRetries;
  public final long perTryTimeoutMs;
  public final Set<Integer> retriableStatusCodes;
  public final long baseIntervalMs;
  public final long maxIntervalMs;
  public final boolean retryOtherHosts;

  RetryPolicy(
      int retryOn,
      int numRetries,
      long perTryTimeoutMs,
      Set<Integer> codes,
      long baseMs,
      long maxMs,
      boolean otherHosts) {
    this.retryOn = retryOn;
    this.numRetries = numRetries;
    this.perTryTimeoutMs = perTryTimeoutMs;
    this.retriableStatusCodes = Set.copyOf(codes);
    this.baseIntervalMs = baseMs;
    this.maxIntervalMs = maxMs;
    this.retryOtherHosts = otherHosts;
  }

  static RetryPolicy compile(io.minimesh.api.xds.v1.RetryPolicy p, String where)
      throws InvalidConfigException {
    int flags = 0;
    for (String raw : p.getRetryOn().split(",")) {
      String t = raw.trim();
      if (t.isEmpty()) continue;
      flags |=
          switch (t) {
            case "5xx" -> ON_5XX;
            case "gateway-error" -> ON_GATEWAY_ERROR;
            case "reset" -> ON_RESET;
            case "connect-failure" -> ON_CONNECT_FAILURE;
            case "refused-stream" -> ON_REFUSED_STREAM;
            case "retriable-4xx" -> ON_RETRIABLE_4XX;
            case "retriable-status-codes" -> ON_RETRIABLE_STATUS_CODES;
            case "retriable-headers" -> ON_RETRIABLE_HEADERS;
            case "cancelled" -> ON_GRPC_CANCELLED;
            case "deadline-exceeded" -> ON_GRPC_DEADLINE_EXCEEDED;
            case "internal" -> ON_GRPC_INTERNAL;
            case "resource-exhausted" -> ON_GRPC_RESOURCE_EXHAUSTED;
            case "unavailable" -> ON_GRPC_UNAVAILABLE;
            default -> throw new InvalidConfigException(
                where + ".retry_on: unknown retry condition \"" + t + "\"");
          };
    }
    Set<Integer> codes = new HashSet<>();
    for (int c : p.getRetriableStatusCodesList()) {
      if (c < 100 || c > 599) {
        throw new InvalidConfigException(
            where + ".retriable_status_codes: " + c + " is not an HTTP status");
      }
      codes.add(c);
    }
    long base = 25;
    if (p.getRetryBackOff().hasBaseInterval()) {
      base = RouteTable.millis(p.getRetryBackOff().getBaseInterval());
      if (base <= 0) {
        throw new InvalidConfigException(where + ".retry_back_off.base_interval: must be positive");
      }
    }
    long max = base * 10;
    if (p.getRetryBackOff().hasMaxInterval()) {
      max = RouteTable.millis(p.getRetryBackOff().getMaxInterval());
      if (max < base) {
        throw new InvalidConfigException(
            where + ".retry_back_off.max_interval: must not be less than base_interval");
      }
    }
    int n = p.hasNumRetries() ? p.getNumRetries() : 1;
    long perTry = p.hasPerTryTimeout() ? RouteTable.millis(p.getPerTryTimeout()) : 0;
    return new RetryPolicy(flags, n, perTry, codes, base, max, p.getRetryOtherHosts());
  }

  public boolean has(int flag) {
    return (retryOn & flag) != 0;
  }

  /** Whether an upstream response with this status (and gRPC status, or -1) should be retried. */
  public boolean retriableResponse(int status, int grpcStatus) {
    if (has(ON_5XX) && status >= 500) return true;
    if (has(ON_GATEWAY_ERROR) && (status == 502 || status == 503 || status == 504)) return true;
    if (has(ON_RETRIABLE_4XX) && status == 409) return true;
    if (has(ON_RETRIABLE_STATUS_CODES) && retriableStatusCodes.contains(status)) return true;
    if (grpcStatus >= 0) {
      if (has(ON_GRPC_CANCELLED) && grpcStatus == 1) return true;
      if (has(ON_GRPC_DEADLINE_EXCEEDED) && grpcStatus == 4) return true;
      if (has(ON_GRPC_RESOURCE_EXHAUSTED) && grpcStatus == 8) return true;
      if (has(ON_GRPC_INTERNAL) && grpcStatus == 13) return true;
      if (has(ON_GRPC_UNAVAILABLE) && grpcStatus == 14) return true;
    }
    return false;
  }

  /** Connect failures, resets before response headers. */
  public boolean retriableReset(boolean connectFailure) {
    if (has(ON_5XX) || has(ON_GATEWAY_ERROR) || has(ON_RESET)) return true;
    return connectFailure && has(ON_CONNECT_FAILURE);
  }

  /** A per-try timeout is retried by 5xx and gateway-error (Envoy treats it as a 504). */
  public boolean retriablePerTryTimeout() {
    return has(ON_5XX) || has(ON_GATEWAY_ERROR) || has(ON_RESET);
  }

  /** Fully jittered exponential backoff: uniform in [0, min(max, base * 2^(attempt-1))]. */
  public long backoffMillis(int retryNumber, java.util.random.RandomGenerator random) {
    long ceiling = baseIntervalMs << Math.min(20, Math.max(0, retryNumber - 1));
    ceiling = Math.min(ceiling, maxIntervalMs);
    return random.nextLong(ceiling + 1);
  }
}
