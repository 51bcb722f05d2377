package io.minimesh.pilot.xds;

import io.minimesh.api.xds.v1.HeaderMatcher;
import io.minimesh.api.xds.v1.QueryParameterMatcher;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.StringMatcher;
import io.minimesh.api.xds.v1.VirtualHost;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A small Envoy-semantics evaluator of a RouteConfiguration, for tests only: picks the virtual host by
 * domain (exact, then suffix wildcard, prefix wildcard, "*"), then the first matching route.
 */
final class RouteSimulator {
  record Request(String authority, String method, String path, Map<String, String> headers) {
    static Request get(String authority, String path) {
      return new Request(authority, "GET", path, Map.of());
    }

    Request with(String header, String value) {
      Map<String, String> h = new HashMap<>(headers);
      h.put(header, value);
      return new Request(authority, method, path, h);
    }
  }

  /** Outcome: the cluster (or "weighted:a=90,b=10"), "redirect:…", "direct:status", or "404". */
  static String route(RouteConfiguration rc, Request req) {
    VirtualHost vh = virtualHost(rc, req.authority());
    if (vh == null) return "404";
    for (Route r : vh.getRoutesList()) {
      if (!matches(r.getMatch(), req)) continue;
      if (r.hasRedirect()) {
        var rd = r.getRedirect();
        return "redirect:" + (rd.getHttpsRedirect() ? "https://" : "") + rd.getHostRedirect() + rd.getPathRedirect();
      }
      if (r.hasDirectResponse()) return "direct:" + r.getDirectResponse().getStatus();
      var a = r.getRoute();
      if (!a.getCluster().isEmpty()) return a.getCluster();
      StringBuilder sb = new StringBuilder("weighted:");
      a.getWeightedClusters().getClustersList().forEach(c -> sb.append(c.getName()).append('=').append(c.getWeight()).append(','));
      return sb.substring(0, sb.length() - 1);
    }
    return "404";
  }

  static Route matchedRoute(RouteConfiguration rc, Request req) {
    VirtualHost vh = virtualHost(rc, req.authority());
    if (vh == null) return null;
    for (Route r : vh.getRoutesList()) if (matches(r.getMatch(), req)) return r;
    return null;
  }

  static VirtualHost virtualHost(RouteConfiguration rc, String authority) {
    String host = authority.toLowerCase(Locale.ROOT);
    VirtualHost best = null;
    int bestRank = Integer.MAX_VALUE;
    int bestLen = -1;
    for (VirtualHost vh : rc.getVirtualHostsList()) {
      for (String d : vh.getDomainsList()) {
        int rank;
        int len = d.length();
        if (d.equals(host)) rank = 0;
        else if (d.startsWith("*") && !d.equals("*") && host.endsWith(d.substring(1))) rank = 1;
        else if (d.endsWith("*") && !d.equals("*") && host.startsWith(d.substring(0, d.length() - 1))) rank = 2;
        else if (d.equals("*")) rank = 3;
        else continue;
        if (rank < bestRank || (rank == bestRank && len > bestLen)) {
          best = vh;
          bestRank = rank;
          bestLen = len;
        }
      }
    }
    return best;
  }

  private static boolean matches(RouteMatch m, Request req) {
    String path = req.path();
    String query = "";
    int q = path.indexOf('?');
    if (q >= 0) {
      query = path.substring(q + 1);
      path = path.substring(0, q);
    }
    boolean cs = !m.hasCaseSensitive() || m.getCaseSensitive();
    String p = cs ? path : path.toLowerCase(Locale.ROOT);
    switch (m.getPathSpecifierCase()) {
      case PREFIX -> {
        if (!p.startsWith(cs ? m.getPrefix() : m.getPrefix().toLowerCase(Locale.ROOT))) return false;
      }
      case PATH -> {
        if (!p.equals(cs ? m.getPath() : m.getPath().toLowerCase(Locale.ROOT))) return false;
      }
      case SAFE_REGEX -> {
        if (!Pattern.compile(m.getSafeRegex().getRegex()).matcher(path).matches()) return false;
      }
      default -> {}
    }
    for (HeaderMatcher h : m.getHeadersList()) {
      String v = switch (h.getName()) {
        case ":method" -> req.method();
        case ":authority" -> req.authority();
        case ":path" -> req.path();
        case ":scheme" -> "http";
        default -> req.headers().get(h.getName());
      };
      boolean ok = v != null && (h.hasPresentMatch() || !h.hasStringMatch() || string(h.getStringMatch(), v));
      if (ok == h.getInvertMatch()) return false;
    }
    Map<String, String> params = new HashMap<>();
    for (String kv : query.split("&")) {
      if (kv.isEmpty()) continue;
      int eq = kv.indexOf('=');
      params.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    for (QueryParameterMatcher qm : m.getQueryParametersList()) {
      String v = params.get(qm.getName());
      if (v == null) return false;
      if (qm.hasStringMatch() && !string(qm.getStringMatch(), v)) return false;
    }
    return true;
  }

  private static boolean string(StringMatcher s, String v) {
    return switch (s.getMatchPatternCase()) {
      case EXACT -> v.equals(s.getExact());
      case PREFIX -> v.startsWith(s.getPrefix());
      case SUFFIX -> v.endsWith(s.getSuffix());
      case CONTAINS -> v.contains(s.getContains());
      case SAFE_REGEX -> Pattern.compile(s.getSafeRegex().getRegex()).matcher(v).matches();
      default -> true;
    };
  }

  private RouteSimulator() {}
}
