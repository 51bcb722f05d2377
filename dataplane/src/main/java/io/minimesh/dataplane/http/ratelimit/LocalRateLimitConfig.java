package io.minimesh.dataplane.http.ratelimit;

import io.minimesh.api.xds.v1.LocalRateLimit;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.filter.StructReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A validated local rate limit: Envoy's {@code envoy.filters.http.local_ratelimit} LocalRateLimit
 * (token bucket, filter_enabled / filter_enforced percentages, status, response headers), or
 * Minimesh's {@link LocalRateLimit} proto (always enabled and enforced). Equal configs share a bucket
 * across config updates.
 */
public record LocalRateLimitConfig(
    long maxTokens,
    long tokensPerFill,
    long fillIntervalNanos,
    int status,
    double enabledPercent,
    double enforcedPercent,
    List<Header> responseHeaders,
    String statPrefix) {

  public static final String FILTER = "envoy.filters.http.local_ratelimit";
  static final String DEFAULT_STAT_PREFIX = "http_local_rate_limiter";

  /** A response header added to rate-limited replies. */
  public record Header(String name, String value, boolean append) {}

  public static LocalRateLimitConfig fromProto(LocalRateLimit p, String w) throws InvalidConfigException {
    if (p.getMaxTokens() == 0) throw new InvalidConfigException(w + ".max_tokens: must be positive");
    long perFill = p.getTokensPerFill() == 0 ? 1 : p.getTokensPerFill();
    if (!p.hasFillInterval()) throw new InvalidConfigException(w + ".fill_interval: required");
    long interval = p.getFillInterval().getSeconds() * 1_000_000_000L + p.getFillInterval().getNanos();
    if (interval < 50_000_000L) {
      throw new InvalidConfigException(w + ".fill_interval: must be at least 50ms (Envoy's minimum)");
    }
    int status = status(p.getStatus(), w + ".status");
    List<Header> headers = new ArrayList<>();
    for (var h : p.getResponseHeadersToAddList()) {
      if (h.getHeader().getKey().isEmpty()) throw new InvalidConfigException(w + ".response_headers_to_add: header key required");
      headers.add(new Header(h.getHeader().getKey().toLowerCase(), h.getHeader().getValue(), h.getAppend()));
    }
    return new LocalRateLimitConfig(p.getMaxTokens(), perFill, interval, status, 100, 100, List.copyOf(headers),
        p.getStatPrefix().isEmpty() ? DEFAULT_STAT_PREFIX : p.getStatPrefix());
  }

  /**
   * Envoy's typed config. Returns null when it has no token_bucket (Envoy: the filter then only
   * applies per-route configs).
   */
  public static LocalRateLimitConfig fromEnvoy(StructReader r) throws InvalidConfigException {
    r.allow(Set.of("stat_prefix", "token_bucket", "filter_enabled", "filter_enforced", "status",
        "response_headers_to_add", "request_headers_to_add_when_not_enforced", "local_rate_limit_per_downstream_connection",
        "always_consume_default_token_bucket", "enable_x_ratelimit_headers", "stage", "descriptors",
        "rate_limited_as_resource_exhausted"));
    if (r.bool("local_rate_limit_per_downstream_connection", false)) {
      throw new InvalidConfigException(r.where("local_rate_limit_per_downstream_connection") + ": not supported (buckets are per proxy)");
    }
    if (!r.objects("descriptors").isEmpty()) {
      throw new InvalidConfigException(r.where("descriptors") + ": not supported (descriptor-based local rate limits)");
    }
    String prefix = r.string("stat_prefix", "");
    if (prefix.isEmpty()) throw new InvalidConfigException(r.where("stat_prefix") + ": required");
    if (!r.has("token_bucket")) return null;
    StructReader tb = r.object("token_bucket").allow(Set.of("max_tokens", "tokens_per_fill", "fill_interval"));
    long max = tb.integer("max_tokens", 0, 0xFFFF_FFFFL);
    if (max == 0) throw new InvalidConfigException(tb.where("max_tokens") + ": must be positive");
    long perFill = tb.integer("tokens_per_fill", 1, 0xFFFF_FFFFL);
    if (perFill == 0) throw new InvalidConfigException(tb.where("tokens_per_fill") + ": must be positive");
    if (!tb.has("fill_interval")) throw new InvalidConfigException(tb.where("fill_interval") + ": required");
    long interval = tb.durationNanos("fill_interval", 0);
    if (interval < 50_000_000L) {
      throw new InvalidConfigException(tb.where("fill_interval") + ": must be at least 50ms (Envoy's minimum)");
    }
    int status = 0;
    if (r.has("status")) status = statusCode(r.object("status").allow(Set.of("code")));
    status = status(status, r.where("status.code"));
    List<Header> headers = new ArrayList<>();
    for (StructReader h : r.objects("response_headers_to_add")) {
      h.allow(Set.of("header", "append", "append_action", "keep_empty_value"));
      StructReader kv = h.object("header").allow(Set.of("key", "value"));
      String key = kv.string("key", "");
      if (key.isEmpty()) throw new InvalidConfigException(kv.where("key") + ": required");
      boolean append = h.bool("append", true);
      String action = h.string("append_action", "");
      if (action.equals("OVERWRITE_IF_EXISTS_OR_ADD")) append = false;
      headers.add(new Header(key.toLowerCase(), kv.string("value", ""), append));
    }
    // Envoy's defaults: enabled and enforced for 0 % of requests unless configured.
    return new LocalRateLimitConfig(max, perFill, interval, status,
        r.percent("filter_enabled", 0), r.percent("filter_enforced", 0), List.copyOf(headers), prefix);
  }

  /** Envoy's HttpStatus: {@code code} is a StatusCode enum name ("TooManyRequests") or its number. */
  private static int statusCode(StructReader s) throws InvalidConfigException {
    String v = s.string("code", "0");
    if (v.chars().allMatch(Character::isDigit)) return (int) s.integer("code", 0, 999);
    String compact = v.toLowerCase(java.util.Locale.ROOT);
    for (int c = 400; c < 600; c++) {
      io.netty.handler.codec.http.HttpResponseStatus st = io.netty.handler.codec.http.HttpResponseStatus.valueOf(c);
      if (st.reasonPhrase().replaceAll("[^A-Za-z]", "").toLowerCase(java.util.Locale.ROOT).equals(compact)) return c;
    }
    throw new InvalidConfigException(s.where("code") + ": unknown status code \"" + v + "\" (e.g. TooManyRequests or 429)");
  }

  private static int status(int code, String w) throws InvalidConfigException {
    if (code == 0) return 429;
    if (code < 400 || code > 599) throw new InvalidConfigException(w + ": must be in [400, 599], got " + code);
    return code;
  }
}
