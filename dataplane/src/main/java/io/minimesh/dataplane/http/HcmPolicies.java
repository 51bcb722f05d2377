package io.minimesh.dataplane.http;

import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.HttpFilter;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.filter.StructReader;
import io.minimesh.dataplane.http.fault.FaultConfig;
import io.minimesh.dataplane.http.ratelimit.LocalRateLimitConfig;
import io.minimesh.dataplane.http.ratelimit.LocalRateLimiter;
import io.minimesh.dataplane.http.ratelimit.RateLimiters;
import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.stats.StatsRegistry.Counter;

/**
 * Connection-manager-wide traffic policies built into the router rather than the filter SPI,
 * because they act after routing and may pause a request: Envoy's fault filter ({@code
 * envoy.filters.http.fault}) and local rate limit filter ({@code envoy.filters.http.local_ratelimit}),
 * or the HCM's {@code rate_limit}. Routes and virtual hosts may override both (most specific wins).
 */
public final class HcmPolicies {
  public static final HcmPolicies NONE = new HcmPolicies(null, null, new Counter(), new Counter(), false);

  /** Fault for every route without its own (null: none). */
  public final FaultConfig fault;
  /** Listener-wide rate limit (null: none). */
  public final LocalRateLimiter rateLimit;
  final Counter delaysInjected;
  final Counter abortsInjected;
  /**
   * Envoy's {@code use_remote_address}: the proxy is the edge, so it appends the peer's address to
   * x-forwarded-for and sets x-forwarded-proto from the connection. Otherwise (a sidecar behind
   * another proxy) both headers pass as they came, so a request through two sidecars lists the client once.
   */
  public final boolean useRemoteAddress;

  HcmPolicies(FaultConfig fault, LocalRateLimiter rateLimit, Counter delays, Counter aborts, boolean useRemoteAddress) {
    this.fault = fault;
    this.rateLimit = rateLimit;
    this.delaysInjected = delays;
    this.abortsInjected = aborts;
    this.useRemoteAddress = useRemoteAddress;
  }

  /** HTTP filters handled here (the Compiler skips them in the filter SPI lookup). */
  public static boolean handles(String filterName) {
    return filterName.equals(FaultConfig.FILTER) || filterName.equals(LocalRateLimitConfig.FILTER);
  }

  /** {@code w}: the HCM's config path, which also names the rate limit bucket's scope. */
  public static HcmPolicies compile(HttpConnectionManager h, String w, RateLimiters limiters, StatsRegistry stats)
      throws InvalidConfigException {
    FaultConfig fault = null;
    LocalRateLimitConfig rl = h.hasRateLimit() ? LocalRateLimitConfig.fromProto(h.getRateLimit(), w + ".rate_limit") : null;
    for (int i = 0; i < h.getHttpFiltersCount(); i++) {
      HttpFilter f = h.getHttpFilters(i);
      if (f.getDisabled() || !handles(f.getName())) continue;
      StructReader r = new StructReader(f.getConfig(), w + ".http_filters[" + i + "].typed_config");
      if (f.getName().equals(FaultConfig.FILTER)) {
        fault = FaultConfig.fromEnvoy(r);
      } else {
        LocalRateLimitConfig c = LocalRateLimitConfig.fromEnvoy(r);
        if (c != null) rl = c;
      }
    }
    String fp = "http." + h.getStatPrefix() + ".fault.";
    return new HcmPolicies(
        fault,
        rl == null ? null : limiters.limiter("hcm|" + w, rl),
        stats.counter(fp + "delays_injected"),
        stats.counter(fp + "aborts_injected"),
        h.getUseRemoteAddress());
  }
}
