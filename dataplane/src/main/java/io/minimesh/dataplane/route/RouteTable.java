package io.minimesh.dataplane.route;

import com.google.protobuf.Duration;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.HeaderMatcher;
import io.minimesh.api.xds.v1.QueryParameterMatcher;
import io.minimesh.api.xds.v1.RedirectAction;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.VirtualHost;
import io.minimesh.api.xds.v1.WeightedCluster;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.filter.StructReader;
import io.minimesh.dataplane.http.fault.FaultConfig;
import io.minimesh.dataplane.http.ratelimit.LocalRateLimitConfig;
import io.minimesh.dataplane.http.ratelimit.LocalRateLimiter;
import io.minimesh.dataplane.http.ratelimit.RateLimiters;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A compiled, immutable route configuration: virtual hosts selected by authority, then the first
 * matching route. Built once per config update; matching allocates nothing but small strings.
 */
public final class RouteTable {
  public final String name;
  private final Map<String, VHost> exact;
  private final List<Map.Entry<String, VHost>> suffixes; // "*.foo.com" → ".foo.com", longest first
  private final List<Map.Entry<String, VHost>> prefixes; // "foo.*" → "foo.", longest first
  private final VHost any;
  public final HeaderMutations requestMutations;
  public final HeaderMutations responseMutations;

  private RouteTable(
      String name,
      Map<String, VHost> exact,
      List<Map.Entry<String, VHost>> suffixes,
      List<Map.Entry<String, VHost>> prefixes,
      VHost any,
      HeaderMutations req,
      HeaderMutations resp) {
    this.name = name;
    this.exact = exact;
    this.suffixes = suffixes;
    this.prefixes = prefixes;
    this.any = any;
    this.requestMutations = req;
    this.responseMutations = resp;
  }

  /** The request as routing sees it. */
  public interface Request {
    String authority();

    String method();

    /** Path including any query string. */
    String pathAndQuery();

    HttpHeaders headers();

    String scheme();
  }

  /** A virtual host. */
  public static final class VHost {
    public final String name;
    final List<Route> routes;
    private final RouteIndex index; // null: few routes, scanned
    public final RetryPolicy retryPolicy; // null when not set
    public final HeaderMutations requestMutations;
    public final HeaderMutations responseMutations;
    /** Fault for routes without their own (null: none). */
    public final FaultConfig fault;
    /** Rate limit for routes without their own (null: none). */
    public final LocalRateLimiter rateLimit;
    /** CORS policy for routes without their own (null: none). */
    public final Cors cors;

    VHost(String name, List<Route> routes, RetryPolicy rp, HeaderMutations req, HeaderMutations resp,
        FaultConfig fault, LocalRateLimiter rateLimit, Cors cors) {
      this.name = name;
      this.routes = routes;
      this.index = RouteIndex.of(routes);
      this.retryPolicy = rp;
      this.requestMutations = req;
      this.responseMutations = resp;
      this.fault = fault;
      this.rateLimit = rateLimit;
      this.cors = cors;
    }
  }

  /** What a route does. */
  public sealed interface Action permits ForwardAction, RedirectAct, DirectAct {}

  /** Forward to a cluster (or one of weighted clusters). */
  public static final class ForwardAction implements Action {
    public final String cluster; // null when weighted
    public final List<WeightedTarget> weighted;
    final int totalWeight;
    public final String prefixRewrite;
    public final Pattern regexRewrite;
    public final String regexSubstitution;
    public final String hostRewriteLiteral;
    public final boolean autoHostRewrite;
    public final long timeoutMs;
    public final long idleTimeoutMs;
    public final RetryPolicy retryPolicy;
    public final List<io.minimesh.api.xds.v1.HashPolicy> hashPolicies;
    public final Set<String> upgradeTypes;
    /** request_mirror_policies: shadow copies of each request. */
    public final List<Mirror> mirrors;

    ForwardAction(
        String cluster,
        List<WeightedTarget> weighted,
        int totalWeight,
        String prefixRewrite,
        Pattern regexRewrite,
        String regexSubstitution,
        String hostRewriteLiteral,
        boolean autoHostRewrite,
        long timeoutMs,
        long idleTimeoutMs,
        RetryPolicy retryPolicy,
        List<io.minimesh.api.xds.v1.HashPolicy> hashPolicies,
        Set<String> upgradeTypes,
        List<Mirror> mirrors) {
      this.mirrors = mirrors;
      this.cluster = cluster;
      this.weighted = weighted;
      this.totalWeight = totalWeight;
      this.prefixRewrite = prefixRewrite;
      this.regexRewrite = regexRewrite;
      this.regexSubstitution = regexSubstitution;
      this.hostRewriteLiteral = hostRewriteLiteral;
      this.autoHostRewrite = autoHostRewrite;
      this.timeoutMs = timeoutMs;
      this.idleTimeoutMs = idleTimeoutMs;
      this.retryPolicy = retryPolicy;
      this.hashPolicies = hashPolicies;
      this.upgradeTypes = upgradeTypes;
    }

    /** Picks the target; {@code random} in [0, 2^31). */
    public WeightedTarget pick(int random) {
      if (weighted.size() == 1) return weighted.get(0);
      int r = random % totalWeight;
      for (WeightedTarget t : weighted) {
        if (r < t.weight) return t;
        r -= t.weight;
      }
      return weighted.get(weighted.size() - 1);
    }

    /** The rewritten path (query string kept), or the same path when nothing applies. */
    public String rewritePath(String pathAndQuery, String matchedPrefix) {
      if (prefixRewrite != null && matchedPrefix != null) {
        String rest = pathAndQuery.substring(Math.min(matchedPrefix.length(), pathAndQuery.length()));
        return prefixRewrite + rest;
      }
      if (regexRewrite != null) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q);
        return regexRewrite.matcher(path).replaceAll(regexSubstitution) + query;
      }
      return pathAndQuery;
    }
  }

  /** A request mirror policy: copy requests to {@code cluster} with this probability (percent). */
  public record Mirror(String cluster, double percent) {}

  /** A cluster with its weight and per-cluster header mutations. */
  public record WeightedTarget(
      String cluster, int weight, HeaderMutations requestMutations, HeaderMutations responseMutations) {}

  /** Redirect. */
  public record RedirectAct(
      String scheme, String host, int port, String path, String prefixRewrite, int status, boolean stripQuery)
      implements Action {
    /** The Location header for the request. */
    public String location(Request req, String matchedPrefix) {
      String s = scheme != null ? scheme : req.scheme();
      String authority = req.authority();
      String h = authority;
      int origPort = -1;
      int c = authority.lastIndexOf(':');
      if (c > 0 && authority.indexOf(']') < c) {
        h = authority.substring(0, c);
        try {
          origPort = Integer.parseInt(authority.substring(c + 1));
        } catch (NumberFormatException ignored) {
          origPort = -1;
        }
      }
      if (host != null) h = host;
      int p = port > 0 ? port : origPort;
      if (scheme != null && port == 0) p = -1; // scheme change drops the old port
      if (("http".equals(s) && p == 80) || ("https".equals(s) && p == 443)) p = -1;
      String pq = req.pathAndQuery();
      int q = pq.indexOf('?');
      String path = q < 0 ? pq : pq.substring(0, q);
      String query = q < 0 ? "" : pq.substring(q);
      if (this.path != null) {
        int pqq = this.path.indexOf('?');
        path = this.path;
        if (pqq >= 0) query = "";
      } else if (prefixRewrite != null && matchedPrefix != null) {
        path = prefixRewrite + path.substring(Math.min(matchedPrefix.length(), path.length()));
      }
      if (stripQuery) query = "";
      return s + "://" + h + (p > 0 ? ":" + p : "") + path + query;
    }
  }

  /** A fixed response. */
  public record DirectAct(int status, byte[] body) implements Action {}

  /** One compiled route. */
  public static final class Route {
    public final String name;
    final int pathKind; // 0 prefix, 1 path, 2 regex
    final String pathValue;
    final Pattern pathRegex;
    final boolean caseSensitive;
    final List<Predicate<Request>> matchers;
    final boolean grpc;
    public final Action action;
    public final HeaderMutations requestMutations;
    public final HeaderMutations responseMutations;
    /** Fault injected before the action (null: none; the virtual host's applies). */
    public final FaultConfig fault;
    /** Local rate limit (null: none; the virtual host's applies). */
    public final LocalRateLimiter rateLimit;
    /** CORS policy (null: none; the virtual host's applies). */
    public final Cors cors;

    Route(
        String name,
        int pathKind,
        String pathValue,
        Pattern pathRegex,
        boolean caseSensitive,
        List<Predicate<Request>> matchers,
        boolean grpc,
        Action action,
        HeaderMutations req,
        HeaderMutations resp,
        FaultConfig fault,
        LocalRateLimiter rateLimit,
        Cors cors) {
      this.name = name;
      this.pathKind = pathKind;
      this.pathValue = pathValue;
      this.pathRegex = pathRegex;
      this.caseSensitive = caseSensitive;
      this.matchers = matchers;
      this.grpc = grpc;
      this.action = action;
      this.requestMutations = req;
      this.responseMutations = resp;
      this.fault = fault;
      this.rateLimit = rateLimit;
      this.cors = cors;
    }

    /** The prefix this route matched with (for prefix rewrites), or null. */
    public String matchedPrefix() {
      return pathKind == 0 ? pathValue : pathKind == 1 ? pathValue : null;
    }

    boolean matches(Request r) {
      String pq = r.pathAndQuery();
      int q = pq.indexOf('?');
      String path = q < 0 ? pq : pq.substring(0, q);
      switch (pathKind) {
        case 0 -> {
          if (caseSensitive ? !path.startsWith(pathValue) : !path.regionMatches(true, 0, pathValue, 0, pathValue.length())) {
            return false;
          }
        }
        case 1 -> {
          if (caseSensitive ? !path.equals(pathValue) : !path.equalsIgnoreCase(pathValue)) return false;
        }
        default -> {
          if (!pathRegex.matcher(path).matches()) return false;
        }
      }
      if (grpc) {
        String ct = r.headers().get("content-type");
        if (ct == null || !ct.startsWith("application/grpc")) return false;
      }
      for (Predicate<Request> m : matchers) {
        if (!m.test(r)) return false;
      }
      return true;
    }
  }

  /** The matched virtual host and route, or nulls. */
  public record Match(VHost vhost, Route route) {}

  public VHost findVirtualHost(String authority) {
    if (authority == null) authority = "";
    String a = authority.toLowerCase(Locale.ROOT);
    VHost v = exact.get(a);
    if (v != null) return v;
    String host = stripPort(a);
    v = exact.get(host);
    if (v != null) return v;
    for (Map.Entry<String, VHost> e : suffixes) {
      if (host.endsWith(e.getKey()) && host.length() > e.getKey().length()) return e.getValue();
    }
    for (Map.Entry<String, VHost> e : prefixes) {
      if (host.startsWith(e.getKey()) && host.length() > e.getKey().length()) return e.getValue();
    }
    return any;
  }

  static String stripPort(String a) {
    if (a.startsWith("[")) {
      int end = a.indexOf(']');
      return end > 0 ? a.substring(0, end + 1) : a;
    }
    int c = a.lastIndexOf(':');
    if (c > 0 && a.indexOf(':') == c) return a.substring(0, c);
    return a;
  }

  /** First matching route of the request's virtual host; route is null when none matches. */
  public Match match(Request r) {
    VHost v = findVirtualHost(r.authority());
    if (v == null) return new Match(null, null);
    if (v.index != null) return new Match(v, v.index.first(r));
    return new Match(v, scan(v, r));
  }

  /** Envoy's route selection: the first route, in order, that matches. */
  static Route scan(VHost v, Request r) {
    for (Route route : v.routes) {
      if (route.matches(r)) return route;
    }
    return null;
  }

  static long millis(Duration d) {
    return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }

  /**
   * Compiles and validates a route configuration.
   *
   * @param where prefix for error messages, e.g. {@code RouteConfiguration "r1"}
   * @param knownClusters cluster names for {@code validate_clusters}
   */
  public static RouteTable compile(RouteConfiguration rc, String where, Set<String> knownClusters)
      throws InvalidConfigException {
    return compile(rc, where, knownClusters, new RateLimiters(new io.minimesh.dataplane.stats.StatsRegistry()));
  }

  /** As above; rate limits take their buckets from {@code limiters} (kept across config updates). */
  public static RouteTable compile(
      RouteConfiguration rc, String where, Set<String> knownClusters, RateLimiters limiters)
      throws InvalidConfigException {
    Map<String, VHost> exact = new HashMap<>();
    List<Map.Entry<String, VHost>> suffixes = new ArrayList<>();
    List<Map.Entry<String, VHost>> prefixes = new ArrayList<>();
    VHost any = null;
    java.util.HashSet<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
      VirtualHost vh = rc.getVirtualHosts(i);
      String w = where + ": virtual_hosts[" + i + "]";
      VHost v = compileVHost(vh, w, knownClusters, rc.getValidateClusters(), limiters);
      if (vh.getDomainsCount() == 0) {
        throw new InvalidConfigException(w + ".domains: at least one domain is required");
      }
      for (int d = 0; d < vh.getDomainsCount(); d++) {
        String dom = vh.getDomains(d).toLowerCase(Locale.ROOT);
        if (!seen.add(dom)) {
          throw new InvalidConfigException(
              w + ".domains[" + d + "]: domain \"" + dom + "\" appears in more than one virtual host");
        }
        if (dom.equals("*")) {
          any = v;
        } else if (dom.startsWith("*")) {
          suffixes.add(Map.entry(dom.substring(1), v));
        } else if (dom.endsWith("*")) {
          prefixes.add(Map.entry(dom.substring(0, dom.length() - 1), v));
        } else if (dom.contains("*")) {
          throw new InvalidConfigException(
              w + ".domains[" + d + "]: wildcard \"*\" only allowed as prefix or suffix: \"" + dom + "\"");
        } else {
          exact.put(dom, v);
        }
      }
    }
    Comparator<Map.Entry<String, VHost>> longest =
        Comparator.comparingInt((Map.Entry<String, VHost> e) -> e.getKey().length()).reversed();
    suffixes.sort(longest);
    prefixes.sort(longest);
    return new RouteTable(
        rc.getName(),
        Map.copyOf(exact),
        List.copyOf(suffixes),
        List.copyOf(prefixes),
        any,
        HeaderMutations.of(rc.getRequestHeadersToAddList(), rc.getRequestHeadersToRemoveList()),
        HeaderMutations.of(rc.getResponseHeadersToAddList(), rc.getResponseHeadersToRemoveList()));
  }

  private static VHost compileVHost(
      VirtualHost vh, String w, Set<String> clusters, boolean validate, RateLimiters limiters)
      throws InvalidConfigException {
    RetryPolicy vrp = vh.hasRetryPolicy() ? RetryPolicy.compile(vh.getRetryPolicy(), w + ".retry_policy") : null;
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < vh.getRoutesCount(); i++) {
      routes.add(compileRoute(vh.getRoutes(i), w + ".routes[" + i + "]", clusters, validate, vrp, limiters));
    }
    return new VHost(
        vh.getName(),
        List.copyOf(routes),
        vrp,
        HeaderMutations.of(vh.getRequestHeadersToAddList(), vh.getRequestHeadersToRemoveList()),
        HeaderMutations.of(vh.getResponseHeadersToAddList(), vh.getResponseHeadersToRemoveList()),
        fault(null, vh.getTypedPerFilterConfigMap(), w),
        rateLimit(vh.hasRateLimit() ? vh.getRateLimit() : null, vh.getTypedPerFilterConfigMap(), w, limiters),
        vh.hasCors() ? Cors.compile(vh.getCors(), w + ".cors") : null);
  }

  /** The proto field wins over the Envoy per-filter config. */
  private static FaultConfig fault(
      io.minimesh.api.xds.v1.FaultPolicy proto, Map<String, com.google.protobuf.Struct> perFilter, String w)
      throws InvalidConfigException {
    if (proto != null) return FaultConfig.fromProto(proto, w + ".fault");
    com.google.protobuf.Struct s = perFilter.get(FaultConfig.FILTER);
    if (s == null) return null;
    return FaultConfig.fromEnvoy(new StructReader(s, w + ".typed_per_filter_config[\"" + FaultConfig.FILTER + "\"]"));
  }

  private static LocalRateLimiter rateLimit(
      io.minimesh.api.xds.v1.LocalRateLimit proto, Map<String, com.google.protobuf.Struct> perFilter, String w,
      RateLimiters limiters) throws InvalidConfigException {
    LocalRateLimitConfig c = null;
    if (proto != null) {
      c = LocalRateLimitConfig.fromProto(proto, w + ".rate_limit");
    } else {
      com.google.protobuf.Struct s = perFilter.get(LocalRateLimitConfig.FILTER);
      if (s != null) {
        c = LocalRateLimitConfig.fromEnvoy(
            new StructReader(s, w + ".typed_per_filter_config[\"" + LocalRateLimitConfig.FILTER + "\"]"));
      }
    }
    return c == null ? null : limiters.limiter(w, c);
  }

  private static Route compileRoute(
      io.minimesh.api.xds.v1.Route r, String w, Set<String> clusters, boolean validate, RetryPolicy vrp,
      RateLimiters limiters) throws InvalidConfigException {
    RouteMatch m = r.getMatch();
    boolean cs = !m.hasCaseSensitive() || m.getCaseSensitive();
    int kind;
    String value = null;
    Pattern regex = null;
    switch (m.getPathSpecifierCase()) {
      case PREFIX -> {
        kind = 0;
        value = m.getPrefix();
      }
      case PATH -> {
        kind = 1;
        value = m.getPath();
      }
      case SAFE_REGEX -> {
        kind = 2;
        String re = m.getSafeRegex().getRegex();
        regex = StringMatch.regex(cs ? re : "(?i)" + re, w + ".match.safe_regex");
      }
      default -> throw new InvalidConfigException(
          w + ".match: one of prefix, path or safe_regex is required");
    }
    List<Predicate<Request>> matchers = new ArrayList<>();
    for (int i = 0; i < m.getHeadersCount(); i++) {
      matchers.add(headerMatcher(m.getHeaders(i), w + ".match.headers[" + i + "]"));
    }
    for (int i = 0; i < m.getQueryParametersCount(); i++) {
      matchers.add(queryMatcher(m.getQueryParameters(i), w + ".match.query_parameters[" + i + "]"));
    }
    Action action =
        switch (r.getActionCase()) {
          case ROUTE -> forward(r.getRoute(), w + ".route", clusters, validate, vrp);
          case REDIRECT -> redirect(r.getRedirect(), w + ".redirect");
          case DIRECT_RESPONSE -> direct(r.getDirectResponse(), w + ".direct_response");
          default -> throw new InvalidConfigException(
              w + ": one of route, redirect or direct_response is required");
        };
    FaultConfig fault = fault(r.hasFault() ? r.getFault() : null, r.getTypedPerFilterConfigMap(), w);
    LocalRateLimiter rl = rateLimit(r.hasRateLimit() ? r.getRateLimit() : null, r.getTypedPerFilterConfigMap(), w, limiters);
    return new Route(
        r.getName(),
        kind,
        value,
        regex,
        cs,
        List.copyOf(matchers),
        m.getGrpc(),
        action,
        HeaderMutations.of(r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList()),
        HeaderMutations.of(r.getResponseHeadersToAddList(), r.getResponseHeadersToRemoveList()),
        fault,
        rl,
        r.hasRoute() && r.getRoute().hasCors() ? Cors.compile(r.getRoute().getCors(), w + ".route.cors") : null);
  }

  static String headerValue(Request r, String name) {
    return switch (name) {
      case ":method" -> r.method();
      case ":authority", "host" -> r.authority();
      case ":path" -> r.pathAndQuery();
      case ":scheme" -> r.scheme();
      default -> {
        List<String> all = r.headers().getAll(name);
        yield all.isEmpty() ? null : all.size() == 1 ? all.get(0) : String.join(",", all);
      }
    };
  }

  /** Envoy's HeaderMatcher semantics, shared by routes and the filters that match headers. */
  public static Predicate<Request> headerMatcher(HeaderMatcher h, String w) throws InvalidConfigException {
    String name = h.getName().toLowerCase(Locale.ROOT);
    if (name.isEmpty()) throw new InvalidConfigException(w + ".name: required");
    Predicate<String> valueTest;
    boolean presenceOnly = false;
    switch (h.getHeaderMatchSpecifierCase()) {
      case EXACT_MATCH -> {
        String e = h.getExactMatch();
        valueTest = e::equals;
      }
      case PREFIX_MATCH -> {
        String p = h.getPrefixMatch();
        valueTest = v -> v.startsWith(p);
      }
      case SUFFIX_MATCH -> {
        String s = h.getSuffixMatch();
        valueTest = v -> v.endsWith(s);
      }
      case CONTAINS_MATCH -> {
        String s = h.getContainsMatch();
        valueTest = v -> v.contains(s);
      }
      case SAFE_REGEX_MATCH -> {
        Pattern p = StringMatch.regex(h.getSafeRegexMatch().getRegex(), w + ".safe_regex_match");
        valueTest = v -> p.matcher(v).matches();
      }
      case STRING_MATCH -> valueTest = StringMatch.compile(h.getStringMatch(), w + ".string_match");
      case PRESENT_MATCH -> {
        boolean want = h.getPresentMatch();
        presenceOnly = true;
        valueTest = v -> want;
      }
      default -> {
        presenceOnly = true;
        valueTest = v -> true;
      }
    }
    boolean invert = h.getInvertMatch();
    boolean presence = presenceOnly;
    boolean wantPresent = h.getHeaderMatchSpecifierCase() != HeaderMatcher.HeaderMatchSpecifierCase.PRESENT_MATCH
        || h.getPresentMatch();
    Predicate<String> vt = valueTest;
    return r -> {
      String v = headerValue(r, name);
      boolean result;
      if (presence) result = (v != null) == wantPresent;
      else result = v != null && vt.test(v);
      return result != invert;
    };
  }

  private static Predicate<Request> queryMatcher(QueryParameterMatcher q, String w)
      throws InvalidConfigException {
    String name = q.getName();
    if (name.isEmpty()) throw new InvalidConfigException(w + ".name: required");
    Predicate<String> vt;
    boolean presence;
    switch (q.getQueryParameterMatchSpecifierCase()) {
      case STRING_MATCH -> {
        vt = StringMatch.compile(q.getStringMatch(), w + ".string_match");
        presence = false;
      }
      default -> {
        vt = v -> true;
        presence = true;
      }
    }
    return r -> {
      String v = queryParam(r.pathAndQuery(), name);
      if (v == null) return false;
      return presence || vt.test(v);
    };
  }

  /** The first value of a query parameter (URL-decoded), "" when present without value, else null. */
  public static String queryParam(String pathAndQuery, String name) {
    int q = pathAndQuery.indexOf('?');
    if (q < 0) return null;
    for (String part : pathAndQuery.substring(q + 1).split("&")) {
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      if (decode(k).equals(name)) return eq < 0 ? "" : decode(part.substring(eq + 1));
    }
    return null;
  }

  private static String decode(String s) {
    try {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static ForwardAction forward(
      io.minimesh.api.xds.v1.RouteAction ra, String w, Set<String> clusters, boolean validate, RetryPolicy vrp)
      throws InvalidConfigException {
    String cluster = null;
    List<WeightedTarget> targets = new ArrayList<>();
    int total = 0;
    switch (ra.getClusterSpecifierCase()) {
      case CLUSTER -> {
        cluster = ra.getCluster();
        if (cluster.isEmpty()) throw new InvalidConfigException(w + ".cluster: must not be empty");
        if (validate && !clusters.contains(cluster)) {
          throw new InvalidConfigException(w + ".cluster: unknown cluster \"" + cluster + "\"");
        }
        targets.add(new WeightedTarget(cluster, 1, HeaderMutations.NONE, HeaderMutations.NONE));
        total = 1;
      }
      case WEIGHTED_CLUSTERS -> {
        WeightedCluster wc = ra.getWeightedClusters();
        if (wc.getClustersCount() == 0) {
          throw new InvalidConfigException(w + ".weighted_clusters.clusters: at least one cluster is required");
        }
        for (int i = 0; i < wc.getClustersCount(); i++) {
          var cw = wc.getClusters(i);
          String cwWhere = w + ".weighted_clusters.clusters[" + i + "]";
          if (cw.getName().isEmpty()) throw new InvalidConfigException(cwWhere + ".name: must not be empty");
          if (validate && !clusters.contains(cw.getName())) {
            throw new InvalidConfigException(cwWhere + ".name: unknown cluster \"" + cw.getName() + "\"");
          }
          total += cw.getWeight();
          if (cw.getWeight() > 0) {
            targets.add(
                new WeightedTarget(
                    cw.getName(),
                    cw.getWeight(),
                    HeaderMutations.of(cw.getRequestHeadersToAddList(), cw.getRequestHeadersToRemoveList()),
                    HeaderMutations.of(cw.getResponseHeadersToAddList(), cw.getResponseHeadersToRemoveList())));
          }
        }
        if (total <= 0) {
          throw new InvalidConfigException(w + ".weighted_clusters: the sum of the weights must be positive");
        }
        if (wc.getTotalWeight() != 0 && wc.getTotalWeight() != total) {
          throw new InvalidConfigException(
              w + ".weighted_clusters.total_weight: " + wc.getTotalWeight() + " differs from the sum of the weights " + total);
        }
      }
      default -> throw new InvalidConfigException(w + ": cluster or weighted_clusters is required");
    }
    Pattern rr = null;
    String sub = null;
    if (ra.hasRegexRewrite()) {
      rr = StringMatch.regex(ra.getRegexRewrite().getPattern().getRegex(), w + ".regex_rewrite.pattern");
      // RE2 substitutions use \1; java.util.regex uses $1.
      sub = ra.getRegexRewrite().getSubstitution().replace("$", "\\$").replaceAll("\\\\(\\d)", "\\$$1");
    }
    if (!ra.getPrefixRewrite().isEmpty() && rr != null) {
      throw new InvalidConfigException(w + ": prefix_rewrite and regex_rewrite are mutually exclusive");
    }
    long timeout = ra.hasTimeout() ? millis(ra.getTimeout()) : 15_000;
    if (timeout < 0) throw new InvalidConfigException(w + ".timeout: must not be negative");
    RetryPolicy rp = ra.hasRetryPolicy() ? RetryPolicy.compile(ra.getRetryPolicy(), w + ".retry_policy") : vrp;
    List<Mirror> mirrors = new ArrayList<>();
    for (int i = 0; i < ra.getRequestMirrorPoliciesCount(); i++) {
      var mp = ra.getRequestMirrorPolicies(i);
      String mw = w + ".request_mirror_policies[" + i + "]";
      if (mp.getCluster().isEmpty()) throw new InvalidConfigException(mw + ".cluster: required");
      if (validate && !clusters.contains(mp.getCluster())) {
        throw new InvalidConfigException(mw + ".cluster: unknown cluster \"" + mp.getCluster() + "\"");
      }
      double pct = mp.hasRuntimeFraction() ? mp.getRuntimeFraction().getValue() : 100;
      if (!(pct >= 0 && pct <= 100)) {
        throw new InvalidConfigException(mw + ".runtime_fraction: must be in [0, 100], got " + pct);
      }
      if (pct > 0) mirrors.add(new Mirror(mp.getCluster(), pct));
    }
    ForwardAction fa = new ForwardAction(
        cluster,
        List.copyOf(targets),
        targets.stream().mapToInt(WeightedTarget::weight).sum(),
        ra.getPrefixRewrite().isEmpty() ? null : ra.getPrefixRewrite(),
        rr,
        sub,
        ra.getHostRewriteLiteral().isEmpty() ? null : ra.getHostRewriteLiteral(),
        ra.getAutoHostRewrite(),
        timeout,
        ra.hasIdleTimeout() ? millis(ra.getIdleTimeout()) : -1,
        rp == null ? RetryPolicy.NONE : rp,
        List.copyOf(ra.getHashPolicyList()),
        Set.copyOf(ra.getUpgradeTypesList()),
        List.copyOf(mirrors));
    return fa;
  }

  private static RedirectAct redirect(RedirectAction r, String w) throws InvalidConfigException {
    String scheme =
        switch (r.getSchemeRewriteSpecifierCase()) {
          case HTTPS_REDIRECT -> r.getHttpsRedirect() ? "https" : null;
          case SCHEME_REDIRECT -> r.getSchemeRedirect().isEmpty() ? null : r.getSchemeRedirect().toLowerCase(Locale.ROOT);
          default -> null;
        };
    int status =
        switch (r.getResponseCode()) {
          case MOVED_PERMANENTLY -> 301;
          case FOUND -> 302;
          case SEE_OTHER -> 303;
          case TEMPORARY_REDIRECT -> 307;
          case PERMANENT_REDIRECT -> 308;
          default -> throw new InvalidConfigException(w + ".response_code: unsupported value");
        };
    if (r.getPortRedirect() > 65535) throw new InvalidConfigException(w + ".port_redirect: must be a port");
    String path = r.getPathRewriteSpecifierCase() == RedirectAction.PathRewriteSpecifierCase.PATH_REDIRECT
        ? r.getPathRedirect() : null;
    String prefix = r.getPathRewriteSpecifierCase() == RedirectAction.PathRewriteSpecifierCase.PREFIX_REWRITE
        ? r.getPrefixRewrite() : null;
    return new RedirectAct(
        scheme,
        r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
        r.getPortRedirect(),
        path,
        prefix,
        status,
        r.getStripQuery());
  }

  private static DirectAct direct(io.minimesh.api.xds.v1.DirectResponseAction d, String w)
      throws InvalidConfigException {
    if (d.getStatus() < 200 || d.getStatus() > 599) {
      throw new InvalidConfigException(w + ".status: must be in [200, 599], got " + d.getStatus());
    }
    byte[] body = new byte[0];
    if (d.hasBody()) body = readDataSource(d.getBody(), w + ".body");
    return new DirectAct(d.getStatus(), body);
  }

  static byte[] readDataSource(DataSource ds, String w) throws InvalidConfigException {
    return switch (ds.getSpecifierCase()) {
      case INLINE_STRING -> ds.getInlineString().getBytes(StandardCharsets.UTF_8);
      case INLINE_BYTES -> ds.getInlineBytes().toByteArray();
      case FILENAME -> {
        try {
          yield Files.readAllBytes(Path.of(ds.getFilename()));
        } catch (IOException e) {
          throw new InvalidConfigException(w + ".filename: cannot read \"" + ds.getFilename() + "\": " + e.getMessage());
        }
      }
      default -> new byte[0];
    };
  }
}
