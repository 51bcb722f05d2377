package io.minimesh.dataplane.http.fault;

import io.minimesh.api.xds.v1.FaultPolicy;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.filter.StructReader;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A validated fault: Envoy's {@code envoy.filters.http.fault} HTTPFault or Minimesh's {@link
 * FaultPolicy}. A delay (fixed) and an abort (HTTP status or gRPC status), each applied to a
 * percentage of requests; the delay comes first, then the abort (Envoy's order).
 *
 * @param delayMs 0: no delay
 * @param httpStatus 0: no HTTP abort
 * @param grpcStatus -1: no gRPC abort
 */
public record FaultConfig(long delayMs, double delayPercent, int httpStatus, int grpcStatus, double abortPercent) {
  public static final String FILTER = "envoy.filters.http.fault";

  public boolean hasDelay() {
    return delayMs > 0 && delayPercent > 0;
  }

  public boolean hasAbort() {
    return (httpStatus > 0 || grpcStatus >= 0) && abortPercent > 0;
  }

  public boolean rollDelay(RandomGenerator random) {
    return hasDelay() && roll(delayPercent, random);
  }

  public boolean rollAbort(RandomGenerator random) {
    return hasAbort() && roll(abortPercent, random);
  }

  static boolean roll(double percent, RandomGenerator random) {
    return percent >= 100 || random.nextDouble() * 100 < percent;
  }

  /** Minimesh's proto; an absent percentage means 100 %. */
  public static FaultConfig fromProto(FaultPolicy f, String w) throws InvalidConfigException {
    long delay = 0;
    double delayPct = 0;
    if (f.hasDelay()) {
      var d = f.getDelay();
      if (!d.hasFixedDelay()) throw new InvalidConfigException(w + ".delay.fixed_delay: required");
      delay = d.getFixedDelay().getSeconds() * 1000 + d.getFixedDelay().getNanos() / 1_000_000;
      if (delay <= 0) throw new InvalidConfigException(w + ".delay.fixed_delay: must be positive");
      delayPct = d.hasPercentage() ? percent(d.getPercentage().getValue(), w + ".delay.percentage") : 100;
    }
    int http = 0;
    int grpc = -1;
    double abortPct = 0;
    if (f.hasAbort()) {
      var a = f.getAbort();
      switch (a.getErrorTypeCase()) {
        case HTTP_STATUS -> http = httpStatus(a.getHttpStatus(), w + ".abort.http_status");
        case GRPC_STATUS -> grpc = grpcStatus(a.getGrpcStatus(), w + ".abort.grpc_status");
        default -> throw new InvalidConfigException(w + ".abort: http_status or grpc_status is required");
      }
      abortPct = a.hasPercentage() ? percent(a.getPercentage().getValue(), w + ".abort.percentage") : 100;
    }
    return new FaultConfig(delay, delayPct, http, grpc, abortPct);
  }

  /** Envoy's HTTPFault (FractionalPercent percentages; absent means 0 %, as in Envoy). */
  public static FaultConfig fromEnvoy(StructReader r) throws InvalidConfigException {
    r.allow(Set.of("delay", "abort", "max_active_faults", "headers", "upstream_cluster", "downstream_nodes",
        "response_rate_limit", "delay_percent_runtime", "abort_percent_runtime", "delay_duration_runtime",
        "abort_http_status_runtime", "max_active_faults_runtime", "response_rate_limit_percent_runtime",
        "abort_grpc_status_runtime", "disable_downstream_cluster_stats", "filter_metadata"));
    for (String unsupported : new String[] {"headers", "upstream_cluster", "downstream_nodes", "response_rate_limit"}) {
      if (r.has(unsupported)) throw new InvalidConfigException(r.where(unsupported) + ": not supported");
    }
    long delay = 0;
    double delayPct = 0;
    if (r.has("delay")) {
      StructReader d = r.object("delay").allow(Set.of("fixed_delay", "header_delay", "percentage"));
      if (d.has("header_delay")) throw new InvalidConfigException(d.where("header_delay") + ": not supported");
      if (!d.has("fixed_delay")) throw new InvalidConfigException(d.where("fixed_delay") + ": required");
      delay = d.durationNanos("fixed_delay", 0) / 1_000_000;
      if (delay <= 0) throw new InvalidConfigException(d.where("fixed_delay") + ": must be at least 1ms");
      delayPct = d.percent("percentage", 0);
    }
    int http = 0;
    int grpc = -1;
    double abortPct = 0;
    if (r.has("abort")) {
      StructReader a = r.object("abort").allow(Set.of("http_status", "grpc_status", "header_abort", "percentage"));
      if (a.has("header_abort")) throw new InvalidConfigException(a.where("header_abort") + ": not supported");
      if (a.has("http_status") == a.has("grpc_status")) {
        throw new InvalidConfigException(a.where() + ": exactly one of http_status or grpc_status is required");
      }
      if (a.has("http_status")) http = httpStatus((int) a.integer("http_status", 0, 999), a.where("http_status"));
      else grpc = grpcStatus((int) a.integer("grpc_status", 0, 999), a.where("grpc_status"));
      abortPct = a.percent("percentage", 0);
    }
    return new FaultConfig(delay, delayPct, http, grpc, abortPct);
  }

  private static double percent(double v, String w) throws InvalidConfigException {
    if (v < 0 || v > 100 || Double.isNaN(v)) throw new InvalidConfigException(w + ": must be in [0, 100], got " + v);
    return v;
  }

  private static int httpStatus(int s, String w) throws InvalidConfigException {
    if (s < 200 || s > 599) throw new InvalidConfigException(w + ": must be in [200, 599], got " + s);
    return s;
  }

  private static int grpcStatus(int s, String w) throws InvalidConfigException {
    if (s > 16) throw new InvalidConfigException(w + ": must be a gRPC status code in [0, 16], got " + s);
    return s;
  }
}
