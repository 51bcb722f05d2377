package io.minimesh.pilot.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.minimesh.api.istio.Destination;
import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.istio.IstioDuration;
import io.minimesh.api.istio.Percent;
import io.minimesh.api.istio.StringMatch;
import io.minimesh.api.istio.VirtualServiceSpec;
import io.minimesh.api.istio.VirtualServiceSpec.HTTPMatchRequest;
import io.minimesh.api.istio.VirtualServiceSpec.HTTPRoute;
import io.minimesh.api.xds.v1.CorsPolicy;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.DirectResponseAction;
import io.minimesh.api.xds.v1.FaultPolicy;
import io.minimesh.api.xds.v1.HashPolicy;
import io.minimesh.api.xds.v1.HeaderMatcher;
import io.minimesh.api.xds.v1.HeaderValue;
import io.minimesh.api.xds.v1.HeaderValueOption;
import io.minimesh.api.xds.v1.Metadata;
import io.minimesh.api.xds.v1.QueryParameterMatcher;
import io.minimesh.api.xds.v1.RedirectAction;
import io.minimesh.api.xds.v1.RegexMatcher;
import io.minimesh.api.xds.v1.RegexRewrite;
import io.minimesh.api.xds.v1.RequestMirrorPolicy;
import io.minimesh.api.xds.v1.RetryPolicy;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteAction;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.StringMatcher;
import io.minimesh.api.xds.v1.WeightedCluster;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.Hosts;
import io.minimesh.pilot.model.Labels;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.validation.Validator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** VirtualService http[] → Envoy-style routes, for gateways and sidecars alike. */
final class RouteBuilder {
  /** Istio's retry policy when a route says nothing about retries. */
  static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

  private final PushContext ctx;
  private final Proxy proxy;

  RouteBuilder(PushContext ctx, Proxy proxy) {
    this.ctx = ctx;
    this.proxy = proxy;
  }

  /**
   * Routes of one VirtualService for a listener port, bound as {@code gateway} ("ns/name", or "mesh" for
   * sidecars). Matches restricted to other gateways, ports or source labels are left out.
   */
  List<Route> routes(ConfigResource vs, String gateway, int port) {
    VirtualServiceSpec spec = vs.spec(VirtualServiceSpec.class);
    List<Route> out = new ArrayList<>();
    if (spec.http == null) return out;
    for (HTTPRoute r : spec.http) {
      if (r.delegate != null) {
        out.addAll(delegated(vs, r, gateway, port));
        continue;
      }
      addRoutes(out, vs, vs.namespace(), r, r.match, gateway, port);
    }
    return out;
  }

  private List<Route> delegated(ConfigResource root, HTTPRoute r, String gateway, int port) {
    String ns = r.delegate.namespace == null ? root.namespace() : r.delegate.namespace;
    List<Route> out = new ArrayList<>();
    for (ConfigResource d : ctx.virtualServices()) {
      if (!d.name().equals(r.delegate.name) || !d.namespace().equals(ns)) continue;
      VirtualServiceSpec ds = d.spec(VirtualServiceSpec.class);
      if (ds.http == null) continue;
      for (HTTPRoute dr : ds.http) {
        if (dr.delegate != null) continue; // one level only, as Istio
        List<HTTPMatchRequest> merged = new ArrayList<>();
        List<HTTPMatchRequest> roots = r.match == null || r.match.isEmpty() ? java.util.Collections.singletonList(null) : r.match;
        List<HTTPMatchRequest> leaves = dr.match == null || dr.match.isEmpty() ? java.util.Collections.singletonList(null) : dr.match;
        for (HTTPMatchRequest rm : roots) for (HTTPMatchRequest lm : leaves) merged.add(mergeMatch(rm, lm));
        addRoutes(out, d, d.namespace(), dr, merged, gateway, port);
      }
    }
    return out;
  }

  private static HTTPMatchRequest mergeMatch(HTTPMatchRequest root, HTTPMatchRequest leaf) {
    if (root == null) return leaf;
    if (leaf == null) return root;
    HTTPMatchRequest m = new HTTPMatchRequest();
    m.name = leaf.name != null ? leaf.name : root.name;
    m.uri = leaf.uri != null ? leaf.uri : root.uri;
    m.scheme = leaf.scheme != null ? leaf.scheme : root.scheme;
    m.method = leaf.method != null ? leaf.method : root.method;
    m.authority = leaf.authority != null ? leaf.authority : root.authority;
    m.headers = union(root.headers, leaf.headers);
    m.queryParams = union(root.queryParams, leaf.queryParams);
    m.withoutHeaders = union(root.withoutHeaders, leaf.withoutHeaders);
    m.port = root.port != null ? root.port : leaf.port;
    m.sourceLabels = root.sourceLabels != null ? root.sourceLabels : leaf.sourceLabels;
    m.gateways = root.gateways != null ? root.gateways : leaf.gateways;
    m.ignoreUriCase = leaf.ignoreUriCase != null ? leaf.ignoreUriCase : root.ignoreUriCase;
    return m;
  }

  private static <V> Map<String, V> union(Map<String, V> a, Map<String, V> b) {
    if (a == null) return b;
    if (b == null) return a;
    Map<String, V> m = new LinkedHashMap<>(a);
    m.putAll(b);
    return m;
  }

  private void addRoutes(List<Route> out, ConfigResource vs, String ns, HTTPRoute r, List<HTTPMatchRequest> matches,
      String gateway, int port) {
    if (matches == null || matches.isEmpty()) {
      out.add(route(vs, ns, r, null, port));
      return;
    }
    for (HTTPMatchRequest m : matches) {
      if (m.gateways != null && !m.gateways.isEmpty() && !matchesGateway(m.gateways, ns, gateway)) continue;
      if (m.port != null && m.port != port) continue;
      if (m.sourceLabels != null && !Labels.subsetOf(m.sourceLabels, proxy.labels())) continue;
      if (m.sourceNamespace != null && !m.sourceNamespace.equals(proxy.namespace())) continue;
      out.add(route(vs, ns, r, m, port));
    }
  }

  static boolean matchesGateway(List<String> gateways, String vsNs, String gateway) {
    for (String g : gateways) {
      if (g.equals("mesh") ? gateway.equals("mesh") : (g.contains("/") ? g : vsNs + "/" + g).equals(gateway)) return true;
    }
    return false;
  }

  private Route route(ConfigResource vs, String ns, HTTPRoute r, HTTPMatchRequest m, int port) {
    Route.Builder b = Route.newBuilder();
    String name = r.name == null ? "" : r.name;
    if (m != null && m.name != null) name = name.isEmpty() ? m.name : name + "." + m.name;
    b.setName(name);
    b.setMatch(match(m));
    b.setMetadata(istioMetadata(Names.vsPath(vs.namespace(), vs.name())));
    if (r.redirect != null) {
      b.setRedirect(redirect(r.redirect));
    } else if (r.directResponse != null) {
      DirectResponseAction.Builder d = DirectResponseAction.newBuilder().setStatus(r.directResponse.status);
      if (r.directResponse.body != null) {
        if (r.directResponse.body.string != null) d.setBody(DataSource.newBuilder().setInlineString(r.directResponse.body.string));
        else if (r.directResponse.body.bytes != null) {
          d.setBody(DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(Base64.getMimeDecoder().decode(r.directResponse.body.bytes))));
        }
      }
      b.setDirectResponse(d);
    } else {
      b.setRoute(action(ns, r, port, b));
    }
    if (r.headers != null) {
      if (r.headers.request != null) {
        b.addAllRequestHeadersToAdd(headerOps(r.headers.request));
        if (r.headers.request.remove != null) b.addAllRequestHeadersToRemove(r.headers.request.remove);
      }
      if (r.headers.response != null) {
        b.addAllResponseHeadersToAdd(headerOps(r.headers.response));
        if (r.headers.response.remove != null) b.addAllResponseHeadersToRemove(r.headers.response.remove);
      }
    }
    if (r.fault != null) b.setFault(fault(r.fault));
    return b.build();
  }

  static Metadata istioMetadata(String configPath) {
    return Metadata.newBuilder()
        .putFilterMetadata("istio", Struct.newBuilder().putFields("config", Value.newBuilder().setStringValue(configPath).build()).build())
        .build();
  }

  static RouteMatch match(HTTPMatchRequest m) {
    RouteMatch.Builder b = RouteMatch.newBuilder();
    if (m == null || m.uri == null) {
      b.setPrefix("/");
    } else if (m.uri.exact != null) {
      b.setPath(m.uri.exact);
    } else if (m.uri.prefix != null) {
      b.setPrefix(m.uri.prefix);
    } else if (m.uri.regex != null) {
      b.setSafeRegex(RegexMatcher.newBuilder().setRegex(m.uri.regex));
    } else {
      b.setPrefix("/");
    }
    if (m == null) return b.build();
    if (Boolean.TRUE.equals(m.ignoreUriCase)) b.setCaseSensitive(false);
    if (m.method != null) b.addHeaders(header(":method", m.method, false));
    if (m.authority != null) b.addHeaders(header(":authority", m.authority, false));
    if (m.scheme != null) b.addHeaders(header(":scheme", m.scheme, false));
    if (m.headers != null) new TreeMap<>(m.headers).forEach((k, v) -> b.addHeaders(header(k, v, false)));
    if (m.withoutHeaders != null) new TreeMap<>(m.withoutHeaders).forEach((k, v) -> b.addHeaders(header(k, v, true)));
    if (m.queryParams != null) {
      new TreeMap<>(m.queryParams).forEach((k, v) -> {
        QueryParameterMatcher.Builder q = QueryParameterMatcher.newBuilder().setName(k);
        if (v == null || v.setCount() == 0) q.setPresentMatch(true);
        else q.setStringMatch(stringMatcher(v));
        b.addQueryParameters(q);
      });
    }
    return b.build();
  }

  private static HeaderMatcher header(String name, StringMatch v, boolean invert) {
    HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(name).setInvertMatch(invert);
    if (v == null || v.setCount() == 0) h.setPresentMatch(true);
    else h.setStringMatch(stringMatcher(v));
    return h.build();
  }

  static StringMatcher stringMatcher(StringMatch v) {
    StringMatcher.Builder s = StringMatcher.newBuilder();
    if (v.exact != null) s.setExact(v.exact);
    else if (v.prefix != null) s.setPrefix(v.prefix);
    else if (v.regex != null) s.setSafeRegex(RegexMatcher.newBuilder().setRegex(v.regex));
    return s.build();
  }

  private static RedirectAction redirect(VirtualServiceSpec.HTTPRedirect rd) {
    RedirectAction.Builder b = RedirectAction.newBuilder();
    if (rd.uri != null) b.setPathRedirect(rd.uri);
    if (rd.authority != null) b.setHostRedirect(rd.authority);
    if (rd.port != null) b.setPortRedirect(rd.port);
    if (rd.scheme != null) {
      if (rd.scheme.equals("https")) b.setHttpsRedirect(true);
      else b.setSchemeRedirect(rd.scheme);
    }
    int code = rd.redirectCode == null ? 301 : rd.redirectCode;
    b.setResponseCode(switch (code) {
      case 302 -> RedirectAction.RedirectResponseCode.FOUND;
      case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
      case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
      case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
      default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
    });
    return b.build();
  }

  private RouteAction action(String ns, HTTPRoute r, int port, Route.Builder route) {
    RouteAction.Builder a = RouteAction.newBuilder();
    if (r.route.size() == 1) {
      var d = r.route.get(0);
      a.setCluster(cluster(d.destination, ns, port));
      if (d.headers != null) {
        if (d.headers.request != null) {
          route.addAllRequestHeadersToAdd(headerOps(d.headers.request));
          if (d.headers.request.remove != null) route.addAllRequestHeadersToRemove(d.headers.request.remove);
        }
        if (d.headers.response != null) {
          route.addAllResponseHeadersToAdd(headerOps(d.headers.response));
          if (d.headers.response.remove != null) route.addAllResponseHeadersToRemove(d.headers.response.remove);
        }
      }
    } else {
      WeightedCluster.Builder w = WeightedCluster.newBuilder();
      int total = 0;
      for (var d : r.route) {
        int weight = d.weight == null ? 0 : d.weight;
        if (weight == 0) continue; // Istio drops zero-weight destinations
        total += weight;
        WeightedCluster.ClusterWeight.Builder cw = WeightedCluster.ClusterWeight.newBuilder()
            .setName(cluster(d.destination, ns, port)).setWeight(weight);
        if (d.headers != null) {
          if (d.headers.request != null) {
            cw.addAllRequestHeadersToAdd(headerOps(d.headers.request));
            if (d.headers.request.remove != null) cw.addAllRequestHeadersToRemove(d.headers.request.remove);
          }
          if (d.headers.response != null) {
            cw.addAllResponseHeadersToAdd(headerOps(d.headers.response));
            if (d.headers.response.remove != null) cw.addAllResponseHeadersToRemove(d.headers.response.remove);
          }
        }
        w.addClusters(cw);
      }
      if (w.getClustersCount() == 1) a.setCluster(w.getClusters(0).getName());
      else a.setWeightedClusters(w.setTotalWeight(total));
    }
    if (r.rewrite != null) {
      if (r.rewrite.uri != null) a.setPrefixRewrite(r.rewrite.uri);
      if (r.rewrite.uriRegexRewrite != null) {
        a.setRegexRewrite(RegexRewrite.newBuilder()
            .setPattern(RegexMatcher.newBuilder().setRegex(r.rewrite.uriRegexRewrite.match))
            .setSubstitution(r.rewrite.uriRegexRewrite.rewrite == null ? "" : r.rewrite.uriRegexRewrite.rewrite));
      }
      if (r.rewrite.authority != null) a.setHostRewriteLiteral(r.rewrite.authority);
    }
    // Istio disables the route timeout unless the VirtualService sets one.
    a.setTimeout(r.timeout == null ? IstioDuration.toProto(java.time.Duration.ZERO) : IstioDuration.toProto(IstioDuration.parse(r.timeout)));
    RetryPolicy rp = retry(r.retries);
    if (rp != null) a.setRetryPolicy(rp);
    if (r.mirror != null) {
      a.addRequestMirrorPolicies(mirror(r.mirror, ns, port, r.mirrorPercentage != null ? r.mirrorPercentage.value
          : r.mirrorPercent != null ? Double.valueOf(r.mirrorPercent) : null));
    }
    if (r.mirrors != null) {
      for (var m : r.mirrors) a.addRequestMirrorPolicies(mirror(m.destination, ns, port, m.percentage == null ? null : m.percentage.value));
    }
    if (r.corsPolicy != null) a.setCors(cors(r.corsPolicy));
    HashPolicy hp = hashPolicy(r.route.get(0).destination, ns, port);
    if (hp != null) a.addHashPolicy(hp);
    return a.build();
  }

  private RequestMirrorPolicy mirror(Destination d, String ns, int port, Double percent) {
    RequestMirrorPolicy.Builder m = RequestMirrorPolicy.newBuilder().setCluster(cluster(d, ns, port));
    if (percent != null) m.setRuntimeFraction(io.minimesh.api.xds.v1.Percent.newBuilder().setValue(percent));
    return m.build();
  }

  static RetryPolicy retry(VirtualServiceSpec.HTTPRetry r) {
    RetryPolicy.Builder b = RetryPolicy.newBuilder().setRetryOtherHosts(true);
    if (r == null) {
      return b.setRetryOn(DEFAULT_RETRY_ON).setNumRetries(2).addRetriableStatusCodes(503).build();
    }
    // Istio: a retries block without attempts (or with 0) disables retries on the route.
    int attempts = r.attempts == null ? 0 : r.attempts;
    if (attempts <= 0) return null;
    b.setNumRetries(attempts);
    if (r.perTryTimeout != null) b.setPerTryTimeout(IstioDuration.toProto(IstioDuration.parse(r.perTryTimeout)));
    if (r.backoff != null) {
      b.setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(IstioDuration.toProto(IstioDuration.parse(r.backoff))));
    }
    if (r.retryIgnorePreviousHosts != null) b.setRetryOtherHosts(r.retryIgnorePreviousHosts);
    if (Boolean.TRUE.equals(r.retryRemoteLocalities)) b.setRetryPreviousPriorities(true);
    if (r.retryOn == null || r.retryOn.isBlank()) {
      b.setRetryOn(DEFAULT_RETRY_ON).addRetriableStatusCodes(503);
    } else {
      List<String> names = new ArrayList<>();
      boolean codes = false;
      for (String p : r.retryOn.split(",")) {
        String n = p.trim();
        if (n.isEmpty()) continue;
        if (n.chars().allMatch(Character::isDigit)) {
          b.addRetriableStatusCodes(Integer.parseInt(n));
          codes = true;
        } else if (!names.contains(n)) {
          names.add(n);
        }
      }
      if (codes && !names.contains("retriable-status-codes")) names.add("retriable-status-codes");
      b.setRetryOn(String.join(",", names));
    }
    return b.build();
  }

  private static FaultPolicy fault(VirtualServiceSpec.HTTPFaultInjection f) {
    FaultPolicy.Builder b = FaultPolicy.newBuilder();
    if (f.delay != null) {
      String d = f.delay.fixedDelay != null ? f.delay.fixedDelay : f.delay.exponentialDelay;
      b.setDelay(FaultPolicy.Delay.newBuilder()
          .setFixedDelay(IstioDuration.toProto(IstioDuration.parse(d)))
          .setPercentage(percent(f.delay.percentage, f.delay.percent)));
    }
    if (f.abort != null) {
      FaultPolicy.Abort.Builder a = FaultPolicy.Abort.newBuilder().setPercentage(percent(f.abort.percentage, null));
      if (f.abort.httpStatus != null) a.setHttpStatus(f.abort.httpStatus);
      else if (f.abort.grpcStatus != null) a.setGrpcStatus(Validator.grpcCode(f.abort.grpcStatus));
      else a.setHttpStatus(503); // http2Error: closest HTTP equivalent
      b.setAbort(a);
    }
    return b.build();
  }

  private static io.minimesh.api.xds.v1.Percent percent(Percent p, Integer legacy) {
    double v = p != null && p.value != null ? p.value : legacy != null ? legacy : 100;
    return io.minimesh.api.xds.v1.Percent.newBuilder().setValue(v).build();
  }

  private static CorsPolicy cors(VirtualServiceSpec.CorsPolicy c) {
    CorsPolicy.Builder b = CorsPolicy.newBuilder();
    if (c.allowOrigins != null) c.allowOrigins.forEach(o -> b.addAllowOriginStringMatch(stringMatcher(o)));
    if (c.allowOrigin != null) c.allowOrigin.forEach(o -> b.addAllowOriginStringMatch(
        o.equals("*") ? StringMatcher.newBuilder().setPrefix("").build() : StringMatcher.newBuilder().setExact(o).build()));
    if (c.allowMethods != null) b.setAllowMethods(String.join(",", c.allowMethods));
    if (c.allowHeaders != null) b.setAllowHeaders(String.join(",", c.allowHeaders));
    if (c.exposeHeaders != null) b.setExposeHeaders(String.join(",", c.exposeHeaders));
    if (c.maxAge != null) b.setMaxAge(Long.toString(IstioDuration.parse(c.maxAge).getSeconds()));
    if (c.allowCredentials != null) b.setAllowCredentials(c.allowCredentials);
    return b.build();
  }

  static List<HeaderValueOption> headerOps(VirtualServiceSpec.HeaderOperations ops) {
    List<HeaderValueOption> out = new ArrayList<>();
    if (ops.set != null) new TreeMap<>(ops.set).forEach((k, v) -> out.add(hv(k, v, false)));
    if (ops.add != null) new TreeMap<>(ops.add).forEach((k, v) -> out.add(hv(k, v, true)));
    return out;
  }

  private static HeaderValueOption hv(String k, String v, boolean append) {
    return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k).setValue(v)).setAppend(append).build();
  }

  /** Cluster name for a destination; port chosen as Istio does when the destination names none. */
  String cluster(Destination d, String ns, int listenerPort) {
    Service svc = ctx.service(d.host, ns);
    String host = svc != null ? svc.hostname() : Hosts.resolve(d.host, ns);
    return Names.outbound(destinationPort(d, svc, listenerPort), d.subset, host);
  }

  static int destinationPort(Destination d, Service svc, int listenerPort) {
    if (d.port != null && d.port.number != null) return d.port.number;
    if (svc != null && svc.ports().size() == 1) return svc.ports().get(0).number();
    if (svc != null && svc.port(listenerPort).isPresent()) return listenerPort;
    if (svc != null && !svc.ports().isEmpty()) return svc.ports().get(0).number();
    return listenerPort;
  }

  /** Hash policy from the destination's DestinationRule consistentHash, if any. */
  HashPolicy hashPolicy(Destination d, String ns, int listenerPort) {
    Service svc = ctx.service(d.host, ns);
    if (svc == null) return null;
    ConfigResource dr = ctx.destinationRule(svc.hostname(), proxy.namespace(), svc.namespace());
    if (dr == null) return null;
    var tp = TrafficPolicies.effective(dr.spec(DestinationRuleSpec.class), d.subset, destinationPort(d, svc, listenerPort));
    if (tp == null || tp.loadBalancer == null || tp.loadBalancer.consistentHash == null) return null;
    var ch = tp.loadBalancer.consistentHash;
    HashPolicy.Builder h = HashPolicy.newBuilder();
    if (ch.httpHeaderName != null) h.setHeader(HashPolicy.Header.newBuilder().setHeaderName(ch.httpHeaderName));
    else if (ch.httpCookie != null) {
      HashPolicy.Cookie.Builder c = HashPolicy.Cookie.newBuilder().setName(ch.httpCookie.name);
      if (ch.httpCookie.path != null) c.setPath(ch.httpCookie.path);
      if (ch.httpCookie.ttl != null) c.setTtl(IstioDuration.toProto(IstioDuration.parse(ch.httpCookie.ttl)));
      h.setCookie(c);
    } else if (Boolean.TRUE.equals(ch.useSourceIp)) h.setConnectionProperties(HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
    else if (ch.httpQueryParameterName != null) h.setQueryParameter(HashPolicy.QueryParameter.newBuilder().setName(ch.httpQueryParameterName));
    else return null;
    return h.build();
  }

  /** The default route to a service port when no VirtualService applies. */
  static Route defaultRoute(String cluster, String name) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(RouteAction.newBuilder().setCluster(cluster)
            .setTimeout(IstioDuration.toProto(java.time.Duration.ZERO))
            .setRetryPolicy(retry(null)))
        .build();
  }

  /** Hosts a VirtualService (resolved in its namespace). */
  static List<String> hosts(ConfigResource vs) {
    List<String> out = new ArrayList<>();
    VirtualServiceSpec s = vs.spec(VirtualServiceSpec.class);
    if (s.hosts != null) for (String h : s.hosts) out.add(Hosts.resolve(h, vs.namespace()));
    return out;
  }

}
