package io.minimesh.pilot.validation;

import io.minimesh.api.istio.Destination;
import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.istio.DestinationRuleSpec.TrafficPolicy;
import io.minimesh.api.istio.GatewaySpec;
import io.minimesh.api.istio.IstioDuration;
import io.minimesh.api.istio.Percent;
import io.minimesh.api.istio.ServiceEntrySpec;
import io.minimesh.api.istio.SidecarSpec;
import io.minimesh.api.istio.StringMatch;
import io.minimesh.api.istio.VirtualServiceSpec;
import io.minimesh.api.istio.VirtualServiceSpec.HTTPMatchRequest;
import io.minimesh.api.istio.VirtualServiceSpec.HTTPRoute;
import io.minimesh.api.istio.WorkloadEntrySpec;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.Protocols;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Value validation of one resource on its own (no cross-resource references). Anything reported here
 * would make a proxy reject the generated config or behave unlike Istio, so the resource is rejected.
 */
public final class Validator {
  /** Envoy retry_on names Istio accepts in retries.retryOn (plus HTTP status codes). */
  public static final Set<String> RETRY_ON =
      Set.of(
          "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited",
          "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers", "http3-post-connect-failure",
          "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");

  static final Set<String> GRPC_STATUS =
      Set.of(
          "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
          "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
          "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED");

  private static final Pattern DNS_LABEL_HOST =
      Pattern.compile("^(\\*|\\*\\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?)*\\.?$");
  private static final Pattern LABEL_KEY = Pattern.compile("^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$");

  private final ConfigResource res;
  private final List<ValidationMessage> out = new ArrayList<>();

  private Validator(ConfigResource res) {
    this.res = res;
  }

  /** Errors for this resource; empty when valid. */
  public static List<ValidationMessage> validate(ConfigResource r) {
    Validator v = new Validator(r);
    try {
      v.run();
    } catch (RuntimeException e) {
      // A validator bug must not take pilot down, nor let an unchecked resource through.
      v.err(Codes.INVALID_VALUE, "spec", "cannot validate: " + e);
    }
    return List.copyOf(v.out);
  }

  private void run() {
    Object spec = res.resource().getSpec();
    if (spec == null) {
      err(Codes.MISSING_FIELD, "spec", "is required");
      return;
    }
    switch (res.kind()) {
      case "VirtualService" -> virtualService((VirtualServiceSpec) spec);
      case "DestinationRule" -> destinationRule((DestinationRuleSpec) spec);
      case "Gateway" -> gateway((GatewaySpec) spec);
      case "ServiceEntry" -> serviceEntry((ServiceEntrySpec) spec);
      case "WorkloadEntry" -> workloadEntry("spec", (WorkloadEntrySpec) spec, true);
      case "Sidecar" -> sidecar((SidecarSpec) spec);
      case "LocalRateLimit" -> localRateLimit((io.minimesh.api.minimesh.LocalRateLimitSpec) spec);
      default -> {}
    }
  }

  private void err(String code, String field, String text) {
    out.add(ValidationMessage.error(code, res.key(), res.origin(), field + ": " + text));
  }

  // ---- VirtualService ----

  private void virtualService(VirtualServiceSpec s) {
    if (s.hosts == null || s.hosts.isEmpty()) {
      if (!isDelegate(s)) err(Codes.MISSING_FIELD, "spec.hosts", "at least one host is required");
    } else {
      for (int i = 0; i < s.hosts.size(); i++) host("spec.hosts[" + i + "]", s.hosts.get(i), true);
    }
    if (s.gateways != null) {
      for (int i = 0; i < s.gateways.size(); i++) {
        String g = s.gateways.get(i);
        if (g == null || g.isBlank() || g.split("/").length > 2) {
          err(Codes.INVALID_VALUE, "spec.gateways[" + i + "]", "invalid gateway name \"" + g + "\"");
        }
      }
    }
    if ((s.http == null || s.http.isEmpty()) && (s.tcp == null || s.tcp.isEmpty())
        && (s.tls == null || s.tls.isEmpty())) {
      err(Codes.MISSING_FIELD, "spec", "http, tcp or tls must provide at least one route");
    }
    if (s.http != null) {
      for (int i = 0; i < s.http.size(); i++) httpRoute("spec.http[" + i + "]", s.http.get(i));
    }
    if (s.tcp != null) {
      for (int i = 0; i < s.tcp.size(); i++) {
        String f = "spec.tcp[" + i + "]";
        var r = s.tcp.get(i);
        routeDestinations(f, r.route, d -> d.destination, d -> d.weight);
        if (r.match != null) for (int j = 0; j < r.match.size(); j++) {
          if (r.match.get(j).port != null) port(f + ".match[" + j + "].port", r.match.get(j).port);
          labels(f + ".match[" + j + "].sourceLabels", r.match.get(j).sourceLabels);
        }
      }
    }
    if (s.tls != null) {
      for (int i = 0; i < s.tls.size(); i++) {
        String f = "spec.tls[" + i + "]";
        var r = s.tls.get(i);
        if (r.match == null || r.match.isEmpty()) err(Codes.MISSING_FIELD, f + ".match", "TLS route must have at least one match");
        else for (int j = 0; j < r.match.size(); j++) {
          var m = r.match.get(j);
          if (m.sniHosts == null || m.sniHosts.isEmpty()) err(Codes.MISSING_FIELD, f + ".match[" + j + "].sniHosts", "is required");
          else for (int k = 0; k < m.sniHosts.size(); k++) host(f + ".match[" + j + "].sniHosts[" + k + "]", m.sniHosts.get(k), true);
        }
        routeDestinations(f, r.route, d -> d.destination, d -> d.weight);
      }
    }
  }

  private static boolean isDelegate(VirtualServiceSpec s) {
    return s.hosts == null || s.hosts.isEmpty();
  }

  private void httpRoute(String f, HTTPRoute r) {
    int actions = (r.route != null && !r.route.isEmpty() ? 1 : 0) + (r.redirect != null ? 1 : 0)
        + (r.directResponse != null ? 1 : 0) + (r.delegate != null ? 1 : 0);
    if (actions == 0) err(Codes.MISSING_FIELD, f, "one of route, redirect, directResponse or delegate is required");
    if (actions > 1) err(Codes.INVALID_VALUE, f, "route, redirect, directResponse and delegate are mutually exclusive");
    if (r.match != null) for (int i = 0; i < r.match.size(); i++) match(f + ".match[" + i + "]", r.match.get(i));
    if (r.route != null && !r.route.isEmpty()) {
      routeDestinations(f, r.route, d -> d.destination, d -> d.weight);
      for (int i = 0; i < r.route.size(); i++) headers(f + ".route[" + i + "].headers", r.route.get(i).headers);
    }
    if (r.redirect != null) {
      var rd = r.redirect;
      if (rd.redirectCode != null && !Set.of(301, 302, 303, 307, 308).contains(rd.redirectCode)) {
        err(Codes.INVALID_STATUS, f + ".redirect.redirectCode", "must be 301, 302, 303, 307 or 308, got " + rd.redirectCode);
      }
      if (rd.port != null) port(f + ".redirect.port", rd.port);
      if (rd.derivePort != null && !Set.of("FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT").contains(rd.derivePort)) {
        err(Codes.INVALID_ENUM, f + ".redirect.derivePort", "unknown value \"" + rd.derivePort + "\"");
      }
    }
    if (r.directResponse != null) {
      Integer st = r.directResponse.status;
      if (st == null || st < 200 || st > 599) err(Codes.INVALID_STATUS, f + ".directResponse.status", "must be in [200, 599], got " + st);
      if (r.directResponse.body != null && r.directResponse.body.string != null && r.directResponse.body.bytes != null) {
        err(Codes.INVALID_VALUE, f + ".directResponse.body", "only one of string and bytes may be set");
      }
    }
    if (r.rewrite != null) {
      if (r.rewrite.uriRegexRewrite != null) {
        if (r.rewrite.uri != null) err(Codes.INVALID_VALUE, f + ".rewrite", "uri and uriRegexRewrite are mutually exclusive");
        regex(f + ".rewrite.uriRegexRewrite.match", r.rewrite.uriRegexRewrite.match);
      }
      if (r.redirect != null) err(Codes.INVALID_VALUE, f + ".rewrite", "rewrite cannot be combined with redirect");
    }
    if (r.timeout != null) duration(f + ".timeout", r.timeout, true);
    if (r.retries != null) {
      var rt = r.retries;
      if (rt.attempts != null && rt.attempts < 0) err(Codes.INVALID_VALUE, f + ".retries.attempts", "must be >= 0");
      if (rt.perTryTimeout != null) duration(f + ".retries.perTryTimeout", rt.perTryTimeout, false);
      if (rt.backoff != null) duration(f + ".retries.backoff", rt.backoff, false);
      if (rt.retryOn != null) {
        for (String p : rt.retryOn.split(",")) {
          String name = p.trim();
          if (name.isEmpty()) continue;
          if (name.chars().allMatch(Character::isDigit)) {
            int code = Integer.parseInt(name);
            if (code < 100 || code > 599) err(Codes.INVALID_RETRY_ON, f + ".retries.retryOn", "invalid status code " + name);
          } else if (!RETRY_ON.contains(name)) {
            err(Codes.INVALID_RETRY_ON, f + ".retries.retryOn", "unknown retry condition \"" + name + "\"");
          }
        }
      }
    }
    if (r.fault != null) {
      var fd = r.fault.delay;
      if (fd != null) {
        if (fd.fixedDelay == null && fd.exponentialDelay == null) err(Codes.MISSING_FIELD, f + ".fault.delay.fixedDelay", "is required");
        if (fd.fixedDelay != null) duration(f + ".fault.delay.fixedDelay", fd.fixedDelay, false);
        if (fd.exponentialDelay != null) duration(f + ".fault.delay.exponentialDelay", fd.exponentialDelay, false);
        percent(f + ".fault.delay.percentage", fd.percentage);
        if (fd.percent != null && (fd.percent < 0 || fd.percent > 100)) err(Codes.INVALID_PERCENT, f + ".fault.delay.percent", "must be in [0, 100]");
      }
      var fa = r.fault.abort;
      if (fa != null) {
        int kinds = (fa.httpStatus != null ? 1 : 0) + (fa.grpcStatus != null ? 1 : 0) + (fa.http2Error != null ? 1 : 0);
        if (kinds != 1) err(Codes.INVALID_VALUE, f + ".fault.abort", "exactly one of httpStatus, grpcStatus, http2Error is required");
        if (fa.httpStatus != null && (fa.httpStatus < 200 || fa.httpStatus > 599)) {
          err(Codes.INVALID_STATUS, f + ".fault.abort.httpStatus", "must be in [200, 599], got " + fa.httpStatus);
        }
        if (fa.grpcStatus != null && grpcCode(fa.grpcStatus) < 0) {
          err(Codes.INVALID_STATUS, f + ".fault.abort.grpcStatus", "unknown gRPC status \"" + fa.grpcStatus + "\"");
        }
        percent(f + ".fault.abort.percentage", fa.percentage);
      }
      if (fd == null && fa == null) err(Codes.MISSING_FIELD, f + ".fault", "delay or abort is required");
    }
    if (r.mirror != null) destination(f + ".mirror", r.mirror);
    if (r.mirror != null && r.mirrors != null && !r.mirrors.isEmpty()) err(Codes.INVALID_VALUE, f + ".mirrors", "mirror and mirrors are mutually exclusive");
    if (r.mirrors != null) for (int i = 0; i < r.mirrors.size(); i++) {
      destination(f + ".mirrors[" + i + "].destination", r.mirrors.get(i).destination);
      percent(f + ".mirrors[" + i + "].percentage", r.mirrors.get(i).percentage);
    }
    percent(f + ".mirrorPercentage", r.mirrorPercentage);
    if (r.mirrorPercent != null && (r.mirrorPercent < 0 || r.mirrorPercent > 100)) err(Codes.INVALID_PERCENT, f + ".mirrorPercent", "must be in [0, 100]");
    if (r.corsPolicy != null) {
      var c = r.corsPolicy;
      if (c.allowOrigins != null) for (int i = 0; i < c.allowOrigins.size(); i++) stringMatch(f + ".corsPolicy.allowOrigins[" + i + "]", c.allowOrigins.get(i), false);
      if (c.maxAge != null) duration(f + ".corsPolicy.maxAge", c.maxAge, true);
    }
    headers(f + ".headers", r.headers);
  }

  /** Numeric code of a gRPC status given by name or number, or -1. */
  public static int grpcCode(String s) {
    if (s.chars().allMatch(Character::isDigit) && !s.isEmpty()) {
      int v = Integer.parseInt(s);
      return v <= 16 ? v : -1;
    }
    List<String> order = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
        "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED");
    return order.indexOf(s);
  }

  private void match(String f, HTTPMatchRequest m) {
    stringMatch(f + ".uri", m.uri, false);
    stringMatch(f + ".scheme", m.scheme, false);
    stringMatch(f + ".method", m.method, false);
    stringMatch(f + ".authority", m.authority, false);
    if (m.headers != null) m.headers.forEach((k, v) -> {
      headerName(f + ".headers", k);
      stringMatch(f + ".headers." + k, v, true);
    });
    if (m.withoutHeaders != null) m.withoutHeaders.forEach((k, v) -> {
      headerName(f + ".withoutHeaders", k);
      stringMatch(f + ".withoutHeaders." + k, v, true);
    });
    if (m.queryParams != null) m.queryParams.forEach((k, v) -> stringMatch(f + ".queryParams." + k, v, true));
    if (m.port != null) port(f + ".port", m.port);
    labels(f + ".sourceLabels", m.sourceLabels);
  }

  private void headerName(String f, String name) {
    if (name == null || name.isEmpty() || !name.equals(name.toLowerCase()) || name.chars().anyMatch(Character::isWhitespace)) {
      err(Codes.INVALID_VALUE, f, "header name \"" + name + "\" must be lower case without spaces");
    }
  }

  private void stringMatch(String f, StringMatch m, boolean emptyAllowed) {
    if (m == null) return;
    int n = m.setCount();
    if (n > 1) err(Codes.INVALID_VALUE, f, "only one of exact, prefix, regex may be set");
    if (n == 0 && !emptyAllowed) err(Codes.MISSING_FIELD, f, "one of exact, prefix, regex is required");
    if (m.regex != null) regex(f + ".regex", m.regex);
  }

  private void regex(String f, String re) {
    if (re == null) {
      err(Codes.MISSING_FIELD, f, "is required");
      return;
    }
    try {
      Pattern.compile(re);
    } catch (PatternSyntaxException e) {
      err(Codes.INVALID_REGEX, f, "invalid regex \"" + re + "\": " + e.getDescription());
    }
  }

  private interface Getter<T, R> {
    R get(T t);
  }

  private <T> void routeDestinations(String f, List<T> route, Getter<T, Destination> dest, Getter<T, Integer> weight) {
    if (route == null || route.isEmpty()) {
      err(Codes.MISSING_FIELD, f + ".route", "at least one destination is required");
      return;
    }
    int sum = 0;
    boolean anyWeight = false;
    for (int i = 0; i < route.size(); i++) {
      destination(f + ".route[" + i + "].destination", dest.get(route.get(i)));
      Integer w = weight.get(route.get(i));
      if (w != null) {
        anyWeight = true;
        if (w < 0) err(Codes.INVALID_WEIGHTS, f + ".route[" + i + "].weight", "must be >= 0, got " + w);
        sum += w;
      }
    }
    if (route.size() > 1 && anyWeight && sum != 100) {
      err(Codes.INVALID_WEIGHTS, f + ".route", "weights must sum to 100, got " + sum);
    }
    if (route.size() > 1 && !anyWeight) {
      err(Codes.INVALID_WEIGHTS, f + ".route", "weights are required when there is more than one destination");
    }
    if (route.size() == 1 && anyWeight && sum == 0) {
      err(Codes.INVALID_WEIGHTS, f + ".route[0].weight", "a single destination must not have weight 0");
    }
  }

  private void destination(String f, Destination d) {
    if (d == null) {
      err(Codes.MISSING_FIELD, f, "is required");
      return;
    }
    if (d.host == null || d.host.isBlank()) err(Codes.MISSING_FIELD, f + ".host", "is required");
    // As Istio: a "*.example.com" destination names a wildcard ServiceEntry's host; a bare "*" is invalid.
    else if (d.host.equals("*")) err(Codes.INVALID_HOST, f + ".host", "invalid destination host \"*\"");
    else host(f + ".host", d.host, true);
    if (d.port != null && d.port.number != null) port(f + ".port.number", d.port.number);
  }

  private void headers(String f, VirtualServiceSpec.Headers h) {
    if (h == null) return;
    for (var e : new Object[][] {{"request", h.request}, {"response", h.response}}) {
      var ops = (VirtualServiceSpec.HeaderOperations) e[1];
      if (ops == null) continue;
      String g = f + "." + e[0];
      if (ops.set != null) ops.set.keySet().forEach(k -> headerOpName(g + ".set", k));
      if (ops.add != null) ops.add.keySet().forEach(k -> headerOpName(g + ".add", k));
      if (ops.remove != null) ops.remove.forEach(k -> headerOpName(g + ".remove", k));
    }
  }

  private void headerOpName(String f, String k) {
    if (k == null || k.isEmpty() || k.chars().anyMatch(c -> c <= ' ' || c == ':' && k.indexOf(':') != 0)) {
      err(Codes.INVALID_VALUE, f, "invalid header name \"" + k + "\"");
    }
  }

  // ---- DestinationRule ----

  private void destinationRule(DestinationRuleSpec s) {
    if (s.host == null || s.host.isBlank()) err(Codes.MISSING_FIELD, "spec.host", "is required");
    else host("spec.host", s.host, true);
    trafficPolicy("spec.trafficPolicy", s.trafficPolicy, true);
    if (s.subsets != null) {
      Set<String> names = new java.util.HashSet<>();
      for (int i = 0; i < s.subsets.size(); i++) {
        var ss = s.subsets.get(i);
        String f = "spec.subsets[" + i + "]";
        if (ss.name == null || ss.name.isBlank()) err(Codes.MISSING_FIELD, f + ".name", "is required");
        else if (!names.add(ss.name)) err(Codes.INVALID_VALUE, f + ".name", "duplicate subset name \"" + ss.name + "\"");
        else if (ss.name.contains("|") || ss.name.contains(" ")) err(Codes.INVALID_VALUE, f + ".name", "invalid subset name \"" + ss.name + "\"");
        labels(f + ".labels", ss.labels);
        trafficPolicy(f + ".trafficPolicy", ss.trafficPolicy, true);
      }
    }
  }

  private void trafficPolicy(String f, TrafficPolicy p, boolean allowPortLevel) {
    if (p == null) return;
    loadBalancer(f + ".loadBalancer", p.loadBalancer);
    connectionPool(f + ".connectionPool", p.connectionPool);
    outlier(f + ".outlierDetection", p.outlierDetection);
    clientTls(f + ".tls", p.tls);
    var loc = p.loadBalancer == null ? null : p.loadBalancer.localityLbSetting;
    if (loc != null && !Boolean.FALSE.equals(loc.enabled) && p.outlierDetection == null
        && ((loc.failover != null && !loc.failover.isEmpty()) || (loc.failoverPriority != null && !loc.failoverPriority.isEmpty()))) {
      out.add(ValidationMessage.warning(Codes.INEFFECTIVE, res.key(), res.origin(), f + ".loadBalancer.localityLbSetting: failover"
          + " needs outlierDetection in the same traffic policy (without it unhealthy endpoints are never detected); failover is not applied"));
    }
    if (p.portLevelSettings != null) {
      for (int i = 0; i < p.portLevelSettings.size(); i++) {
        var pl = p.portLevelSettings.get(i);
        String g = f + ".portLevelSettings[" + i + "]";
        if (pl.port == null || pl.port.number == null) err(Codes.MISSING_FIELD, g + ".port.number", "is required");
        else port(g + ".port.number", pl.port.number);
        loadBalancer(g + ".loadBalancer", pl.loadBalancer);
        connectionPool(g + ".connectionPool", pl.connectionPool);
        outlier(g + ".outlierDetection", pl.outlierDetection);
        clientTls(g + ".tls", pl.tls);
      }
    }
  }

  private void loadBalancer(String f, DestinationRuleSpec.LoadBalancerSettings lb) {
    if (lb == null) return;
    if (lb.simple != null && lb.consistentHash != null) err(Codes.INVALID_VALUE, f, "simple and consistentHash are mutually exclusive");
    if (lb.simple != null && !Set.of("UNSPECIFIED", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN").contains(lb.simple)) {
      err(Codes.INVALID_ENUM, f + ".simple", "unknown load balancer \"" + lb.simple + "\"");
    }
    var ch = lb.consistentHash;
    if (ch != null) {
      int keys = (ch.httpHeaderName != null ? 1 : 0) + (ch.httpCookie != null ? 1 : 0)
          + (Boolean.TRUE.equals(ch.useSourceIp) ? 1 : 0) + (ch.httpQueryParameterName != null ? 1 : 0);
      if (keys != 1) err(Codes.INVALID_VALUE, f + ".consistentHash", "exactly one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName is required");
      if (ch.httpCookie != null) {
        if (ch.httpCookie.name == null || ch.httpCookie.name.isBlank()) err(Codes.MISSING_FIELD, f + ".consistentHash.httpCookie.name", "is required");
        if (ch.httpCookie.ttl != null) duration(f + ".consistentHash.httpCookie.ttl", ch.httpCookie.ttl, true);
      }
      if (ch.ringHash != null && ch.maglev != null) err(Codes.INVALID_VALUE, f + ".consistentHash", "ringHash and maglev are mutually exclusive");
      // Envoy's limits: a proxy would reject the cluster.
      for (var e : new Object[][] {{".consistentHash.minimumRingSize", ch.minimumRingSize},
          {".consistentHash.ringHash.minimumRingSize", ch.ringHash == null ? null : ch.ringHash.minimumRingSize}}) {
        Long v = (Long) e[1];
        if (v != null && (v < 0 || v > 8_388_608L)) err(Codes.INVALID_VALUE, f + e[0], "must be in [0, 8388608], got " + v);
      }
      if (ch.maglev != null && ch.maglev.tableSize != null && ch.maglev.tableSize > 5_000_011L) {
        err(Codes.INVALID_VALUE, f + ".consistentHash.maglev.tableSize", "must be at most 5000011, got " + ch.maglev.tableSize);
      }
      if (ch.maglev != null && ch.maglev.tableSize != null && !isPrime(ch.maglev.tableSize)) {
        err(Codes.INVALID_VALUE, f + ".consistentHash.maglev.tableSize", "must be a prime number, got " + ch.maglev.tableSize);
      }
    }
    var l = lb.localityLbSetting;
    if (l != null) {
      if (l.distribute != null && l.failover != null && !l.distribute.isEmpty() && !l.failover.isEmpty()) {
        err(Codes.INVALID_VALUE, f + ".localityLbSetting", "distribute and failover are mutually exclusive");
      }
      if (l.distribute != null) for (int i = 0; i < l.distribute.size(); i++) {
        var d = l.distribute.get(i);
        String g = f + ".localityLbSetting.distribute[" + i + "]";
        if (d.from == null || d.from.isBlank()) err(Codes.MISSING_FIELD, g + ".from", "is required");
        int sum = 0;
        if (d.to != null) for (int w : d.to.values()) sum += w;
        if (sum != 100) err(Codes.INVALID_WEIGHTS, g + ".to", "weights must sum to 100, got " + sum);
      }
      if (l.distribute != null && !l.distribute.isEmpty() && l.failoverPriority != null && !l.failoverPriority.isEmpty()) {
        err(Codes.INVALID_VALUE, f + ".localityLbSetting", "distribute and failoverPriority are mutually exclusive");
      }
      if (l.distribute != null) for (int i = 0; i < l.distribute.size(); i++) {
        var d = l.distribute.get(i);
        if (d.to != null) d.to.forEach((k, w) -> {
          if (w == null || w < 0 || w > 100) err(Codes.INVALID_PERCENT, f + ".localityLbSetting.distribute.to." + k, "must be in [0, 100], got " + w);
        });
      }
      if (l.failover != null) for (int i = 0; i < l.failover.size(); i++) {
        var fo = l.failover.get(i);
        if (fo.from != null && fo.from.equals(fo.to)) err(Codes.INVALID_VALUE, f + ".localityLbSetting.failover[" + i + "]", "from and to must differ");
      }
    }
    if (lb.warmupDurationSecs != null) duration(f + ".warmupDurationSecs", lb.warmupDurationSecs, true);
  }

  private static boolean isPrime(long n) {
    if (n < 2) return false;
    for (long i = 2; i * i <= n; i++) if (n % i == 0) return false;
    return true;
  }

  private void connectionPool(String f, DestinationRuleSpec.ConnectionPoolSettings cp) {
    if (cp == null) return;
    if (cp.tcp != null) {
      nonNegative(f + ".tcp.maxConnections", cp.tcp.maxConnections);
      if (cp.tcp.connectTimeout != null) duration(f + ".tcp.connectTimeout", cp.tcp.connectTimeout, false);
      if (cp.tcp.idleTimeout != null) duration(f + ".tcp.idleTimeout", cp.tcp.idleTimeout, true);
      if (cp.tcp.maxConnectionDuration != null) duration(f + ".tcp.maxConnectionDuration", cp.tcp.maxConnectionDuration, true);
      if (cp.tcp.tcpKeepalive != null) {
        nonNegative(f + ".tcp.tcpKeepalive.probes", cp.tcp.tcpKeepalive.probes);
        if (cp.tcp.tcpKeepalive.time != null) duration(f + ".tcp.tcpKeepalive.time", cp.tcp.tcpKeepalive.time, false);
        if (cp.tcp.tcpKeepalive.interval != null) duration(f + ".tcp.tcpKeepalive.interval", cp.tcp.tcpKeepalive.interval, false);
      }
    }
    if (cp.http != null) {
      nonNegative(f + ".http.http1MaxPendingRequests", cp.http.http1MaxPendingRequests);
      nonNegative(f + ".http.http2MaxRequests", cp.http.http2MaxRequests);
      nonNegative(f + ".http.maxRequestsPerConnection", cp.http.maxRequestsPerConnection);
      nonNegative(f + ".http.maxRetries", cp.http.maxRetries);
      nonNegative(f + ".http.maxConcurrentStreams", cp.http.maxConcurrentStreams);
      if (cp.http.idleTimeout != null) duration(f + ".http.idleTimeout", cp.http.idleTimeout, true);
      if (cp.http.h2UpgradePolicy != null && !Set.of("DEFAULT", "DO_NOT_UPGRADE", "UPGRADE").contains(cp.http.h2UpgradePolicy)) {
        err(Codes.INVALID_ENUM, f + ".http.h2UpgradePolicy", "unknown value \"" + cp.http.h2UpgradePolicy + "\"");
      }
    }
  }

  private void outlier(String f, DestinationRuleSpec.OutlierDetection o) {
    if (o == null) return;
    nonNegative(f + ".consecutiveLocalOriginFailures", o.consecutiveLocalOriginFailures);
    nonNegative(f + ".consecutiveGatewayErrors", o.consecutiveGatewayErrors);
    nonNegative(f + ".consecutive5xxErrors", o.consecutive5xxErrors);
    nonNegative(f + ".consecutiveErrors", o.consecutiveErrors);
    if (o.interval != null) duration(f + ".interval", o.interval, false);
    if (o.baseEjectionTime != null) duration(f + ".baseEjectionTime", o.baseEjectionTime, false);
    if (o.maxEjectionPercent != null && (o.maxEjectionPercent < 0 || o.maxEjectionPercent > 100)) {
      err(Codes.INVALID_PERCENT, f + ".maxEjectionPercent", "must be in [0, 100], got " + o.maxEjectionPercent);
    }
    if (o.minHealthPercent != null && (o.minHealthPercent < 0 || o.minHealthPercent > 100)) {
      err(Codes.INVALID_PERCENT, f + ".minHealthPercent", "must be in [0, 100], got " + o.minHealthPercent);
    }
  }

  private void clientTls(String f, DestinationRuleSpec.ClientTLSSettings t) {
    if (t == null) return;
    if (t.mode != null && !Set.of("DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL").contains(t.mode)) {
      err(Codes.INVALID_ENUM, f + ".mode", "unknown TLS mode \"" + t.mode + "\"");
    }
    if ("MUTUAL".equals(t.mode) && t.credentialName == null && (t.clientCertificate == null || t.privateKey == null)) {
      err(Codes.MISSING_FIELD, f, "MUTUAL needs credentialName or clientCertificate and privateKey");
    }
  }

  // ---- Gateway ----

  private void gateway(GatewaySpec s) {
    labels("spec.selector", s.selector);
    if (s.servers == null || s.servers.isEmpty()) {
      err(Codes.MISSING_FIELD, "spec.servers", "at least one server is required");
      return;
    }
    Set<String> names = new java.util.HashSet<>();
    for (int i = 0; i < s.servers.size(); i++) {
      var sv = s.servers.get(i);
      String f = "spec.servers[" + i + "]";
      if (sv.port == null) err(Codes.MISSING_FIELD, f + ".port", "is required");
      else {
        if (sv.port.number == null) err(Codes.MISSING_FIELD, f + ".port.number", "is required");
        else port(f + ".port.number", sv.port.number);
        if (sv.port.protocol == null) err(Codes.MISSING_FIELD, f + ".port.protocol", "is required");
        else if (!Protocols.isKnown(sv.port.protocol.toUpperCase())) err(Codes.INVALID_ENUM, f + ".port.protocol", "unknown protocol \"" + sv.port.protocol + "\"");
      }
      if (sv.name != null && !names.add(sv.name)) err(Codes.INVALID_VALUE, f + ".name", "duplicate server name \"" + sv.name + "\"");
      if (sv.hosts == null || sv.hosts.isEmpty()) err(Codes.MISSING_FIELD, f + ".hosts", "at least one host is required");
      else for (int j = 0; j < sv.hosts.size(); j++) {
        String h = sv.hosts.get(j);
        String hostPart = h;
        int slash = h.indexOf('/');
        if (slash >= 0) {
          String ns = h.substring(0, slash);
          hostPart = h.substring(slash + 1);
          if (ns.isEmpty() || h.indexOf('/', slash + 1) >= 0) err(Codes.INVALID_HOST, f + ".hosts[" + j + "]", "invalid namespace/host \"" + h + "\"");
        }
        host(f + ".hosts[" + j + "]", hostPart, true);
      }
      var t = sv.tls;
      if (t != null) {
        if (t.mode != null && !Set.of("PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL").contains(t.mode)) {
          err(Codes.INVALID_ENUM, f + ".tls.mode", "unknown TLS mode \"" + t.mode + "\"");
        }
        String proto = sv.port == null || sv.port.protocol == null ? "" : sv.port.protocol.toUpperCase();
        boolean terminating = "SIMPLE".equals(t.mode) || "MUTUAL".equals(t.mode) || "OPTIONAL_MUTUAL".equals(t.mode);
        if (terminating && (proto.equals("HTTPS") || proto.equals("TLS"))
            && t.credentialName == null && (t.credentialNames == null || t.credentialNames.isEmpty())
            && (t.serverCertificate == null || t.privateKey == null) && (t.tlsCertificates == null || t.tlsCertificates.isEmpty())) {
          err(Codes.MISSING_FIELD, f + ".tls", "mode " + t.mode + " needs credentialName or serverCertificate and privateKey");
        }
        List<String> versions = List.of("TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3");
        if (t.minProtocolVersion != null && !versions.contains(t.minProtocolVersion)) {
          err(Codes.INVALID_ENUM, f + ".tls.minProtocolVersion", "unknown TLS protocol version \"" + t.minProtocolVersion + "\"");
        }
        if (t.maxProtocolVersion != null && !versions.contains(t.maxProtocolVersion)) {
          err(Codes.INVALID_ENUM, f + ".tls.maxProtocolVersion", "unknown TLS protocol version \"" + t.maxProtocolVersion + "\"");
        }
        if (t.minProtocolVersion != null && t.maxProtocolVersion != null && versions.indexOf(t.minProtocolVersion) > 0
            && versions.indexOf(t.maxProtocolVersion) > 0 && versions.indexOf(t.minProtocolVersion) > versions.indexOf(t.maxProtocolVersion)) {
          err(Codes.INVALID_VALUE, f + ".tls", "minProtocolVersion " + t.minProtocolVersion + " is above maxProtocolVersion " + t.maxProtocolVersion);
        }
        if (t.cipherSuites != null) for (int j = 0; j < t.cipherSuites.size(); j++) {
          String c = t.cipherSuites.get(j);
          if (c == null || c.isBlank() || c.chars().anyMatch(Character::isWhitespace)) {
            err(Codes.INVALID_VALUE, f + ".tls.cipherSuites[" + j + "]", "invalid cipher suite name \"" + c + "\"");
          }
        }
        if ("ISTIO_MUTUAL".equals(t.mode)) {
          out.add(ValidationMessage.warning(Codes.UNSUPPORTED, res.key(), res.origin(), f + ".tls.mode: ISTIO_MUTUAL is not supported"
              + " (Minimesh issues no mesh workload certificates); this server is not served"));
        }
        if ("MUTUAL".equals(t.mode) && t.credentialName == null && t.serverCertificate != null && t.caCertificates == null) {
          err(Codes.MISSING_FIELD, f + ".tls.caCertificates", "mode MUTUAL with serverCertificate needs caCertificates");
        }
        if (Boolean.TRUE.equals(t.httpsRedirect) && sv.port != null && sv.port.protocol != null
            && !Protocols.isHttp(sv.port.protocol.toUpperCase())) {
          out.add(ValidationMessage.warning(Codes.INEFFECTIVE, res.key(), res.origin(), f + ".tls.httpsRedirect: only applies to HTTP servers"));
        }
      } else if (sv.port != null && sv.port.protocol != null && sv.port.protocol.equalsIgnoreCase("HTTPS")) {
        err(Codes.MISSING_FIELD, f + ".tls", "is required for protocol HTTPS");
      }
    }
  }

  // ---- LocalRateLimit (networking.minimesh.io) ----

  private void localRateLimit(io.minimesh.api.minimesh.LocalRateLimitSpec s) {
    if (s.workloadSelector != null) labels("spec.workloadSelector.labels", s.workloadSelector.labels);
    String scope = s.scope == null ? "LISTENER" : s.scope;
    if (!Set.of("LISTENER", "HOST", "ROUTE").contains(scope)) {
      err(Codes.INVALID_ENUM, "spec.scope", "unknown scope \"" + s.scope + "\" (LISTENER, HOST or ROUTE)");
    }
    if (s.port != null) port("spec.port", s.port);
    if (scope.equals("HOST") && (s.hosts == null || s.hosts.isEmpty())) err(Codes.MISSING_FIELD, "spec.hosts", "is required for scope HOST");
    if (scope.equals("ROUTE") && (s.route == null || s.route.isBlank())) err(Codes.MISSING_FIELD, "spec.route", "is required for scope ROUTE");
    if (scope.equals("LISTENER") && s.hosts != null && !s.hosts.isEmpty()) err(Codes.INVALID_VALUE, "spec.hosts", "only applies to scopes HOST and ROUTE");
    if (s.hosts != null) for (int i = 0; i < s.hosts.size(); i++) host("spec.hosts[" + i + "]", s.hosts.get(i), true);
    var b = s.tokenBucket;
    if (b == null) {
      err(Codes.MISSING_FIELD, "spec.tokenBucket", "is required");
    } else {
      if (b.maxTokens == null) err(Codes.MISSING_FIELD, "spec.tokenBucket.maxTokens", "is required");
      else if (b.maxTokens < 1) err(Codes.INVALID_VALUE, "spec.tokenBucket.maxTokens", "must be >= 1, got " + b.maxTokens);
      if (b.tokensPerFill != null && b.tokensPerFill < 1) err(Codes.INVALID_VALUE, "spec.tokenBucket.tokensPerFill", "must be >= 1, got " + b.tokensPerFill);
      if (b.fillInterval == null) {
        err(Codes.MISSING_FIELD, "spec.tokenBucket.fillInterval", "is required");
      } else {
        int before = out.size();
        duration("spec.tokenBucket.fillInterval", b.fillInterval, false);
        if (out.size() == before && IstioDuration.parse(b.fillInterval).toMillis() < 50) {
          err(Codes.INVALID_DURATION, "spec.tokenBucket.fillInterval", "must be at least 50ms, got \"" + b.fillInterval + "\"");
        }
      }
    }
    if (s.statusCode != null && (s.statusCode < 400 || s.statusCode > 599)) {
      err(Codes.INVALID_STATUS, "spec.statusCode", "must be in [400, 599], got " + s.statusCode);
    }
  }

  // ---- ServiceEntry / WorkloadEntry / Sidecar ----

  private void serviceEntry(ServiceEntrySpec s) {
    if (s.hosts == null || s.hosts.isEmpty()) err(Codes.MISSING_FIELD, "spec.hosts", "at least one host is required");
    else for (int i = 0; i < s.hosts.size(); i++) {
      host("spec.hosts[" + i + "]", s.hosts.get(i), true);
      if (s.hosts.get(i).equals("*")) err(Codes.INVALID_HOST, "spec.hosts[" + i + "]", "\"*\" is not allowed");
    }
    String res = s.resolution == null ? "NONE" : s.resolution;
    if (!Set.of("NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN").contains(res)) err(Codes.INVALID_ENUM, "spec.resolution", "unknown resolution \"" + s.resolution + "\"");
    if (s.location != null && !Set.of("MESH_EXTERNAL", "MESH_INTERNAL").contains(s.location)) err(Codes.INVALID_ENUM, "spec.location", "unknown location \"" + s.location + "\"");
    if (s.ports == null || s.ports.isEmpty()) err(Codes.MISSING_FIELD, "spec.ports", "at least one port is required");
    else {
      Set<Integer> nums = new java.util.HashSet<>();
      Set<String> pnames = new java.util.HashSet<>();
      for (int i = 0; i < s.ports.size(); i++) {
        var p = s.ports.get(i);
        String f = "spec.ports[" + i + "]";
        if (p.number == null) err(Codes.MISSING_FIELD, f + ".number", "is required");
        else {
          port(f + ".number", p.number);
          if (!nums.add(p.number)) err(Codes.INVALID_PORT, f + ".number", "duplicate port " + p.number);
        }
        if (p.name == null || p.name.isBlank()) err(Codes.MISSING_FIELD, f + ".name", "is required");
        else if (!pnames.add(p.name)) err(Codes.INVALID_PORT, f + ".name", "duplicate port name \"" + p.name + "\"");
        if (p.protocol != null && !Protocols.isKnown(p.protocol.toUpperCase())) err(Codes.INVALID_ENUM, f + ".protocol", "unknown protocol \"" + p.protocol + "\"");
        if (p.targetPort != null) port(f + ".targetPort", p.targetPort);
      }
    }
    if (s.endpoints != null) {
      if (res.equals("NONE")) err(Codes.INVALID_VALUE, "spec.endpoints", "endpoints need resolution STATIC or DNS");
      if (s.workloadSelector != null) err(Codes.INVALID_VALUE, "spec.workloadSelector", "cannot be combined with endpoints");
      for (int i = 0; i < s.endpoints.size(); i++) workloadEntry("spec.endpoints[" + i + "]", s.endpoints.get(i), res.equals("STATIC"));
    }
    if (res.equals("STATIC") && (s.endpoints == null || s.endpoints.isEmpty()) && s.workloadSelector == null) {
      out.add(ValidationMessage.warning(Codes.MISSING_FIELD, res().key(), res().origin(),
          "spec.endpoints: resolution STATIC without endpoints or workloadSelector has no endpoints"));
    }
    if (s.workloadSelector != null) labels("spec.workloadSelector.labels", s.workloadSelector.labels);
    if (s.addresses != null) for (int i = 0; i < s.addresses.size(); i++) {
      if (!isIpOrCidr(s.addresses.get(i))) err(Codes.INVALID_VALUE, "spec.addresses[" + i + "]", "not an IP address or CIDR: \"" + s.addresses.get(i) + "\"");
    }
  }

  private ConfigResource res() {
    return res;
  }

  private void workloadEntry(String f, WorkloadEntrySpec w, boolean addressMustBeIp) {
    if (w.address == null || w.address.isBlank()) {
      err(Codes.MISSING_FIELD, f + ".address", "is required");
    } else if (addressMustBeIp && !isIp(w.address) && !w.address.startsWith("unix://")) {
      err(Codes.INVALID_VALUE, f + ".address", "must be an IP address for STATIC resolution, got \"" + w.address + "\"");
    } else if (!isIp(w.address)) {
      host(f + ".address", w.address, false);
    }
    if (w.ports != null) w.ports.forEach((k, v) -> port(f + ".ports." + k, v));
    labels(f + ".labels", w.labels);
    if (w.weight != null && w.weight < 0) err(Codes.INVALID_VALUE, f + ".weight", "must be >= 0");
    if (w.locality != null && w.locality.split("/", -1).length > 3) err(Codes.INVALID_VALUE, f + ".locality", "must be region/zone/subzone");
  }

  private void sidecar(SidecarSpec s) {
    if (s.workloadSelector != null) labels("spec.workloadSelector.labels", s.workloadSelector.labels);
    if (s.egress != null) for (int i = 0; i < s.egress.size(); i++) {
      var e = s.egress.get(i);
      String f = "spec.egress[" + i + "]";
      if (e.hosts == null || e.hosts.isEmpty()) err(Codes.MISSING_FIELD, f + ".hosts", "at least one host is required");
      else for (int j = 0; j < e.hosts.size(); j++) {
        String h = e.hosts.get(j);
        int slash = h.indexOf('/');
        if (slash <= 0) err(Codes.INVALID_HOST, f + ".hosts[" + j + "]", "must be namespace/host, got \"" + h + "\"");
        else host(f + ".hosts[" + j + "]", h.substring(slash + 1), true);
      }
      if (e.port != null && e.port.number != null) port(f + ".port.number", e.port.number);
      captureMode(f + ".captureMode", e.captureMode);
      if (e.bind != null && !e.bind.isEmpty()) {
        if (e.port == null || e.port.number == null) err(Codes.MISSING_FIELD, f + ".port", "is required when bind is set");
        if (e.bind.startsWith("unix://")) err(Codes.INVALID_VALUE, f + ".bind", "unix domain sockets are not supported: \"" + e.bind + "\"");
        else if (!isIp(e.bind)) err(Codes.INVALID_VALUE, f + ".bind", "must be an IP address, got \"" + e.bind + "\"");
      }
    }
    if (s.ingress != null) for (int i = 0; i < s.ingress.size(); i++) {
      var in = s.ingress.get(i);
      if (in.port == null || in.port.number == null) err(Codes.MISSING_FIELD, "spec.ingress[" + i + "].port.number", "is required");
      else port("spec.ingress[" + i + "].port.number", in.port.number);
      String f = "spec.ingress[" + i + "]";
      captureMode(f + ".captureMode", in.captureMode);
      if (in.bind != null && !in.bind.isEmpty() && !isIp(in.bind)) {
        err(Codes.INVALID_VALUE, f + ".bind", "must be an IP address (unix domain sockets are not allowed), got \"" + in.bind + "\"");
      }
      if (in.defaultEndpoint != null && !in.defaultEndpoint.isEmpty()) defaultEndpoint(f + ".defaultEndpoint", in.defaultEndpoint);
    }
    if (s.outboundTrafficPolicy != null && s.outboundTrafficPolicy.mode != null
        && !Set.of("REGISTRY_ONLY", "ALLOW_ANY").contains(s.outboundTrafficPolicy.mode)) {
      err(Codes.INVALID_ENUM, "spec.outboundTrafficPolicy.mode", "unknown mode \"" + s.outboundTrafficPolicy.mode + "\"");
    }
  }

  private void captureMode(String f, String mode) {
    if (mode != null && !Set.of("DEFAULT", "IPTABLES", "NONE").contains(mode)) {
      err(Codes.INVALID_ENUM, f, "unknown capture mode \"" + mode + "\" (DEFAULT, IPTABLES or NONE)");
    }
  }

  /** Istio: 127.0.0.1:PORT / [::1]:PORT (loopback), 0.0.0.0:PORT / [::]:PORT (the workload's IP), or an IP:PORT. */
  private void defaultEndpoint(String f, String ep) {
    if (ep.startsWith("unix://")) {
      err(Codes.INVALID_VALUE, f, "unix domain sockets are not supported: \"" + ep + "\"");
      return;
    }
    int c = ep.lastIndexOf(':');
    String host = c < 0 ? "" : ep.substring(0, c);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    int p = -1;
    try {
      p = c < 0 ? -1 : Integer.parseInt(ep.substring(c + 1));
    } catch (NumberFormatException ignored) {
      // reported below
    }
    if (!isIp(host) || p < 1 || p > 65535) err(Codes.INVALID_VALUE, f, "must be 127.0.0.1:PORT, 0.0.0.0:PORT or unix:///path, got \"" + ep + "\"");
  }

  // ---- shared ----

  private void host(String f, String h, boolean wildcardOk) {
    if (h == null || h.isBlank()) {
      err(Codes.INVALID_HOST, f, "host must not be empty");
      return;
    }
    if (h.equals("*")) {
      if (!wildcardOk) err(Codes.INVALID_HOST, f, "wildcard host \"*\" is not allowed here");
      return;
    }
    if (h.contains("*") && (!wildcardOk || !h.startsWith("*") || h.indexOf('*', 1) >= 0)) {
      err(Codes.INVALID_HOST, f, "invalid host \"" + h + "\" (a wildcard is only allowed as the first label)");
      return;
    }
    if (isIp(h)) return;
    if (!DNS_LABEL_HOST.matcher(h).matches() || h.length() > 253) err(Codes.INVALID_HOST, f, "invalid host \"" + h + "\"");
  }

  private void port(String f, int p) {
    if (p < 1 || p > 65535) err(Codes.INVALID_PORT, f, "port must be in [1, 65535], got " + p);
  }

  private void nonNegative(String f, Integer v) {
    if (v != null && v < 0) err(Codes.INVALID_VALUE, f, "must be >= 0, got " + v);
  }

  private void percent(String f, Percent p) {
    if (p == null) return;
    if (p.value == null || p.value.isNaN() || p.value < 0 || p.value > 100) {
      err(Codes.INVALID_PERCENT, f + ".value", "must be in [0, 100], got " + p.value);
    }
  }

  private void duration(String f, String text, boolean zeroOk) {
    try {
      Duration d = IstioDuration.parse(text);
      if (d.isNegative() || (!zeroOk && d.isZero())) {
        err(Codes.INVALID_DURATION, f, "duration must be " + (zeroOk ? ">= 0" : "positive") + ", got \"" + text + "\"");
      } else if (d.toMillis() == 0 && !d.isZero()) {
        err(Codes.INVALID_DURATION, f, "duration must be at least 1ms, got \"" + text + "\"");
      }
    } catch (IllegalArgumentException e) {
      err(Codes.INVALID_DURATION, f, e.getMessage());
    }
  }

  private void labels(String f, Map<String, String> labels) {
    if (labels == null) return;
    labels.forEach((k, v) -> {
      if (k == null || !LABEL_KEY.matcher(k).matches()) err(Codes.INVALID_LABELS, f, "invalid label key \"" + k + "\"");
      if (v != null && v.length() > 63) err(Codes.INVALID_LABELS, f + "." + k, "label value longer than 63 characters");
    });
  }

  static boolean isIp(String s) {
    if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      for (String p : s.split("\\.")) if (Integer.parseInt(p) > 255) return false;
      return true;
    }
    return s.contains(":") && s.matches("[0-9a-fA-F:.]+");
  }

  static boolean isIpOrCidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) return isIp(s);
    try {
      int len = Integer.parseInt(s.substring(slash + 1));
      return isIp(s.substring(0, slash)) && len >= 0 && len <= 128;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
