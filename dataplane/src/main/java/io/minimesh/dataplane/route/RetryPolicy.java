package io.minimesh.dataplane.route;

import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

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

  public static final RetryPolicy NONE = new RetryPolicy(0, 0, 0, Set.of(), 25, 250, false, -1, 0, List.of());

  /** Request headers that may set or widen the retry policy (honoured from trusted downstreams only). */
  public static final List<String> REQUEST_HEADERS =
      List.of("x-envoy-retry-on", "x-envoy-retry-grpc-on", "x-envoy-max-retries", "x-envoy-retriable-status-codes");

  public final int retryOn;
  public final int numRetries;
  public final long perTryTimeoutMs;
  public final Set<Integer> retriableStatusCodes;
  public final long baseIntervalMs;
  public final long maxIntervalMs;
  public final boolean retryOtherHosts;
  /** Retry budget: percent of the cluster's active requests that may be retries (-1: no budget). */
  public final double budgetPercent;
  public final int minRetryConcurrency;
  private final List<Predicate<HttpHeaders>> retriableHeaders;

  RetryPolicy(
      int retryOn,
      int numRetries,
      long perTryTimeoutMs,
      Set<Integer> codes,
      long baseMs,
      long maxMs,
      boolean otherHosts,
      double budgetPercent,
      int minRetryConcurrency,
      List<Predicate<HttpHeaders>> retriableHeaders) {
    this.budgetPercent = budgetPercent;
    this.minRetryConcurrency = minRetryConcurrency;
    this.retriableHeaders = List.copyOf(retriableHeaders);
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
      int f = flag(t);
      if (f == 0) {
        throw new InvalidConfigException(where + ".retry_on: unknown retry condition \"" + t + "\"");
      }
      flags |= f;
    }
    return compileRest(p, where, flags);
  }

  /** The flag of an Envoy retry_on name, 0 when unknown. */
  static int flag(String t) {
    return switch (t) {
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
            default -> 0;
          };
  }

  private static RetryPolicy compileRest(io.minimesh.api.xds.v1.RetryPolicy p, String where, int flags)
      throws InvalidConfigException {
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
    if (perTry < 0) throw new InvalidConfigException(where + ".per_try_timeout: must not be negative");
    double budget = -1;
    int minConcurrency = 0;
    if (p.hasBudgetPercent() || p.getMinRetryConcurrency() > 0) {
      // Envoy's retry budget defaults: 20 % of active requests, at least 3 concurrent retries.
      budget = p.hasBudgetPercent() ? p.getBudgetPercent().getValue() : 20;
      if (!(budget >= 0 && budget <= 100)) {
        throw new InvalidConfigException(where + ".budget_percent: must be in [0, 100], got " + budget);
      }
      minConcurrency = p.getMinRetryConcurrency() > 0 ? p.getMinRetryConcurrency() : 3;
    }
    List<Predicate<HttpHeaders>> headers = new ArrayList<>();
    for (int i = 0; i < p.getRetriableHeadersCount(); i++) {
      Predicate<RouteTable.Request> m =
          RouteTable.headerMatcher(p.getRetriableHeaders(i), where + ".retriable_headers[" + i + "]");
      headers.add(h -> m.test(new ResponseHeaders(h)));
    }
    return new RetryPolicy(flags, n, perTry, codes, base, max, p.getRetryOtherHosts(), budget, minConcurrency, headers);
  }

  /** Response headers seen through the route matcher interface (for retriable_headers). */
  private record ResponseHeaders(HttpHeaders headers) implements RouteTable.Request {
    @Override
    public String authority() {
      return "";
    }

    @Override
    public String method() {
      return "";
    }

    @Override
    public String pathAndQuery() {
      return "";
    }

    @Override
    public String scheme() {
      return "";
    }
  }

  /**
   * This policy widened by Envoy's request headers (x-envoy-retry-on, x-envoy-retry-grpc-on:
   * conditions added; x-envoy-max-retries: count replaced; x-envoy-retriable-status-codes: codes
   * added). Unknown names in headers are ignored, as Envoy does.
   */
  public RetryPolicy withRequestHeaders(HttpHeaders h) {
    String on = h.get("x-envoy-retry-on");
    String grpcOn = h.get("x-envoy-retry-grpc-on");
    String max = h.get("x-envoy-max-retries");
    String codes = h.get("x-envoy-retriable-status-codes");
    if (on == null && grpcOn == null && max == null && codes == null) return this;
    int flags = retryOn;
    for (String list : new String[] {on, grpcOn}) {
      if (list == null) continue;
      for (String t : list.split(",")) flags |= flag(t.trim());
    }
    int n = numRetries == 0 && this == NONE ? 1 : numRetries;
    if (max != null) {
      try {
        n = Math.max(0, Integer.parseInt(max.trim()));
      } catch (NumberFormatException ignored) {
        // Envoy ignores an unparsable value.
      }
    }
    Set<Integer> sc = new HashSet<>(retriableStatusCodes);
    if (codes != null) {
      for (String c : codes.split(",")) {
        try {
          int v = Integer.parseInt(c.trim());
          if (v >= 100 && v <= 599) sc.add(v);
        } catch (NumberFormatException ignored) {
          // skipped, as Envoy does
        }
      }
    }
    return new RetryPolicy(flags, n, perTryTimeoutMs, sc, baseIntervalMs, maxIntervalMs, retryOtherHosts,
        budgetPercent, minRetryConcurrency, retriableHeaders);
  }

  /**
   * How many retries may be outstanding in the cluster at once: the retry budget when configured
   * (it replaces max_retries, as in Envoy), else the cluster's max_retries circuit breaker.
   */
  public long maxActiveRetries(long clusterActiveRequests, int clusterMaxRetries) {
    if (budgetPercent < 0) return clusterMaxRetries;
    return Math.max(minRetryConcurrency, (long) (budgetPercent * clusterActiveRequests / 100.0));
  }

  public boolean has(int flag) {
    return (retryOn & flag) != 0;
  }

  /** Whether an upstream response with this status (and gRPC status, or -1) should be retried. */
  public boolean retriableResponse(int status, int grpcStatus, HttpHeaders headers) {
    if (retriableResponse(status, grpcStatus)) return true;
    if (has(ON_RETRIABLE_HEADERS) && headers != null) {
      for (Predicate<HttpHeaders> p : retriableHeaders) if (p.test(headers)) return true;
    }
    return false;
  }

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

  /** A reset before response headers, by its reason text (HTTP/2 REFUSED_STREAM counts for refused-stream). */
  public boolean retriableReset(boolean connectFailure, String reason) {
    if (retriableReset(connectFailure)) return true;
    return has(ON_REFUSED_STREAM) && reason != null && reason.contains("refused");
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
