package io.minimesh.dataplane.route;

import io.minimesh.api.xds.v1.CorsPolicy;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A compiled CORS policy (Envoy's CorsPolicy, Istio's corsPolicy), set on a route or a virtual host.
 * The proxy answers a preflight request from an allowed origin itself, and adds
 * {@code access-control-allow-origin} (plus expose/credentials) to responses for an allowed origin.
 * A request from an origin the policy does not allow gets no CORS headers, so the browser blocks it;
 * it still reaches the upstream, as in Envoy.
 */
public final class Cors {
  private final List<Predicate<String>> origins;
  private final String allowMethods;
  private final String allowHeaders;
  private final String exposeHeaders;
  private final String maxAge;
  private final boolean allowCredentials;

  private Cors(List<Predicate<String>> origins, CorsPolicy p) {
    this.origins = origins;
    this.allowMethods = p.getAllowMethods();
    this.allowHeaders = p.getAllowHeaders();
    this.exposeHeaders = p.getExposeHeaders();
    this.maxAge = p.getMaxAge();
    this.allowCredentials = p.hasAllowCredentials() && p.getAllowCredentials();
  }

  /** Compiles {@code p}; {@code w} names the field in errors. */
  public static Cors compile(CorsPolicy p, String w) throws InvalidConfigException {
    List<Predicate<String>> origins = new ArrayList<>();
    for (int i = 0; i < p.getAllowOriginStringMatchCount(); i++) {
      origins.add(StringMatch.compile(p.getAllowOriginStringMatch(i), w + ".allow_origin_string_match[" + i + "]"));
    }
    if (!p.getMaxAge().isEmpty() && !p.getMaxAge().matches("[0-9]+")) {
      throw new InvalidConfigException(w + ".max_age: must be a number of seconds, got \"" + p.getMaxAge() + "\"");
    }
    return new Cors(List.copyOf(origins), p);
  }

  /** Whether {@code origin} (the request's Origin header) is allowed. */
  public boolean allows(String origin) {
    if (origin == null || origin.isEmpty()) return false;
    for (Predicate<String> m : origins) if (m.test(origin)) return true;
    return false;
  }

  /** Whether a request is a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method). */
  public static boolean isPreflight(String method, HttpHeaders h) {
    return "OPTIONS".equals(method) && h.contains("origin") && h.contains("access-control-request-method");
  }

  /** Headers of the proxy's own answer to a preflight from an allowed {@code origin}. */
  public void addPreflightHeaders(HttpHeaders out, String origin) {
    out.set("access-control-allow-origin", origin);
    if (allowCredentials) out.set("access-control-allow-credentials", "true");
    if (!allowMethods.isEmpty()) out.set("access-control-allow-methods", allowMethods);
    if (!allowHeaders.isEmpty()) out.set("access-control-allow-headers", allowHeaders);
    if (!maxAge.isEmpty()) out.set("access-control-max-age", maxAge);
  }

  /** Headers added to a normal response for an allowed {@code origin}. */
  public void addResponseHeaders(HttpHeaders out, String origin) {
    out.set("access-control-allow-origin", origin);
    if (allowCredentials) out.set("access-control-allow-credentials", "true");
    if (!exposeHeaders.isEmpty()) out.set("access-control-expose-headers", exposeHeaders);
  }
}
