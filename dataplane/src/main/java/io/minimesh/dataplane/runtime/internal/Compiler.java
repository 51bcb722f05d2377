package io.minimesh.dataplane.runtime.internal;

import com.google.protobuf.Duration;
import io.minimesh.api.xds.v1.AccessLog;
import io.minimesh.api.xds.v1.CircuitBreakers;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.FilterChainMatch;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.HttpFilter;
import io.minimesh.api.xds.v1.LbEndpoint;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.TcpProxy;
import io.minimesh.api.xds.v1.HealthStatus;
import io.minimesh.dataplane.accesslog.AccessLogFormat;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.filter.HttpFilterFactory;
import io.minimesh.dataplane.http.HcmConfig;
import io.minimesh.dataplane.route.HeaderMutations;
import io.minimesh.dataplane.route.RouteTable;
import io.minimesh.dataplane.listener.FilterChainSelector;
import io.minimesh.dataplane.listener.ListenerChain;
import io.minimesh.dataplane.listener.ListenerStats;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.tls.ServerTls;
import io.minimesh.dataplane.tls.TlsContexts;
import io.minimesh.dataplane.runtime.RuntimeState.ListenerRuntime;
import io.minimesh.dataplane.stats.ClusterStats;
import io.minimesh.dataplane.stats.HttpStats;
import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.tcp.TcpProxyConfig;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import io.minimesh.dataplane.upstream.HostImpl;
import io.minimesh.dataplane.upstream.HostStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates a {@link ConfigSnapshot} completely and compiles it into a {@link RuntimeState}. Pure
 * apart from DNS lookups of STRICT_DNS/LOGICAL_DNS clusters and stats registration; throws before
 * anything is swapped.
 */
public final class Compiler {
  public static final String ROUTER = "envoy.filters.http.router";
  public static final String HCM = "envoy.filters.network.http_connection_manager";
  public static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

  private final StatsRegistry stats;
  private final int loops;
  private final ConcurrentHashMap<String, HostStats> hostStats;
  private final Map<String, HttpFilterFactory> filterFactories;
  private final ConcurrentHashMap<String, ClusterStats> clusterStats = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, HttpStats> httpStats = new ConcurrentHashMap<>();
  private final TlsContexts tls = new TlsContexts();
  private final ConcurrentHashMap<String, io.minimesh.dataplane.upstream.ClusterShared> clusterShared =
      new ConcurrentHashMap<>();
  // Local rate limit buckets, kept across compiles while a scope's limit is unchanged.
  private final io.minimesh.dataplane.http.ratelimit.RateLimiters rateLimiters;

  public Compiler(StatsRegistry stats, int loops, ConcurrentHashMap<String, HostStats> hostStats) {
    this.stats = stats;
    this.loops = loops;
    this.hostStats = hostStats;
    this.rateLimiters = new io.minimesh.dataplane.http.ratelimit.RateLimiters(stats);
    Map<String, HttpFilterFactory> f = new HashMap<>();
    for (HttpFilterFactory ff : ServiceLoader.load(HttpFilterFactory.class, Compiler.class.getClassLoader())) {
      f.put(ff.name(), ff);
    }
    this.filterFactories = Map.copyOf(f);
  }

  public Set<String> filterNames() {
    return filterFactories.keySet();
  }

  public RuntimeState compile(ConfigSnapshot s) throws InvalidConfigException {
    Map<String, Secret> secrets = new HashMap<>();
    for (var e : s.secrets().entrySet()) {
      TlsContexts.validateSecret(e.getValue().value());
      secrets.put(e.getKey(), e.getValue().value());
    }
    Map<String, ClusterRuntime> clusters = new LinkedHashMap<>();
    for (var e : s.clusters().entrySet()) {
      String w = where(s, e.getValue().value());
      try {
        ClusterRuntime cr = cluster(s, e.getValue().value(), w);
        if (e.getValue().value().getTransportSocket().hasUpstreamTls()) {
          cr.setTls(tls.client(e.getValue().value().getTransportSocket().getUpstreamTls(), secrets,
              w + ".transport_socket.upstream_tls", cr.http2));
        }
        clusters.put(e.getKey(), cr);
      } catch (InvalidConfigException ex) {
        throw readable(ex, w);
      }
    }
    Set<String> clusterNames = clusters.keySet();
    Map<String, RouteTable> routes = new LinkedHashMap<>();
    for (var e : s.routes().entrySet()) {
      RouteConfiguration rc = e.getValue().value();
      routes.put(e.getKey(), RouteTable.compile(rc, "RouteConfiguration \"" + rc.getName() + "\"", clusterNames, rateLimiters));
    }
    Map<String, ListenerRuntime> listeners = new LinkedHashMap<>();
    Map<String, String> addresses = new HashMap<>();
    for (var e : s.listeners().entrySet()) {
      Listener l = e.getValue().value();
      String w = where(s, l);
      ListenerRuntime lr;
      try {
        lr = listener(l, w, clusterNames, secrets);
      } catch (InvalidConfigException ex) {
        throw readable(ex, w);
      }
      if (lr.bindToPort()) {
        String key = lr.address().toString();
        String other = addresses.putIfAbsent(key, l.getName());
        if (other != null && lr.address().getPort() != 0) {
          throw new InvalidConfigException(
              w + ": address: " + key + " is already used by listener \"" + other + "\"");
        }
      }
      listeners.put(e.getKey(), lr);
    }
    return new RuntimeState(s, clusters, routes, listeners);
  }

  /** {@code Listener "x".field: msg} reads better as {@code Listener "x": field: msg}. */
  private static InvalidConfigException readable(InvalidConfigException e, String w) {
    String m = e.getMessage();
    if (w.endsWith("\"") && m != null && m.startsWith(w + ".")) {
      return new InvalidConfigException(w + ": " + m.substring(w.length() + 1), e);
    }
    return e;
  }

  private static String where(ConfigSnapshot s, Listener l) {
    List<Listener> st = s.bootstrap().getStaticResources().getListenersList();
    for (int i = 0; i < st.size(); i++) {
      if (st.get(i).getName().equals(l.getName())) return "static_resources.listeners[" + i + "]";
    }
    return "Listener \"" + l.getName() + "\"";
  }

  private static String where(ConfigSnapshot s, Cluster c) {
    List<Cluster> st = s.bootstrap().getStaticResources().getClustersList();
    for (int i = 0; i < st.size(); i++) {
      if (st.get(i).getName().equals(c.getName())) return "static_resources.clusters[" + i + "]";
    }
    return "Cluster \"" + c.getName() + "\"";
  }

  static long millis(Duration d) {
    return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }

  // ---- clusters ----

  private ClusterRuntime cluster(ConfigSnapshot s, Cluster c, String w) throws InvalidConfigException {
    if (c.getName().isEmpty()) throw new InvalidConfigException(w + ".name: must not be empty");
    // Load balancers are built lazily per event loop: reject a bad LB config here, not on a request.
    io.minimesh.dataplane.upstream.lb.LoadBalancers.validate(c);
    long connectTimeout = 5000;
    if (c.hasConnectTimeout()) {
      connectTimeout = millis(c.getConnectTimeout());
      if (connectTimeout <= 0) throw new InvalidConfigException(w + ".connect_timeout: must be positive");
    }
    try {
      io.minimesh.dataplane.upstream.lb.LoadBalancers.validate(c);
    } catch (InvalidConfigException e) {
      throw new InvalidConfigException(w + ": " + e.getMessage(), e);
    }
    if (c.hasTransportSocket() && c.getTransportSocket().hasDownstreamTls()) {
      throw new InvalidConfigException(w + ".transport_socket: a cluster needs upstream_tls, not downstream_tls");
    }
    io.minimesh.dataplane.upstream.ClusterHealth.validate(c, w);
    if (c.hasUpstreamBindConfig()) {
      String src = c.getUpstreamBindConfig().getSourceAddress().getAddress();
      if (!isIpLiteral(src)) {
        throw new InvalidConfigException(
            w + ".upstream_bind_config.source_address.address: \"" + src + "\" is not an IP address");
      }
    }
    int maxConn = 1024, maxPending = 1024, maxReq = 1024, maxRetries = 3;
    for (CircuitBreakers.Thresholds t : c.getCircuitBreakers().getThresholdsList()) {
      if (t.getPriority() != CircuitBreakers.Thresholds.RoutingPriority.DEFAULT) continue;
      if (t.hasMaxConnections()) maxConn = t.getMaxConnections();
      if (t.hasMaxPendingRequests()) maxPending = t.getMaxPendingRequests();
      if (t.hasMaxRequests()) maxReq = t.getMaxRequests();
      if (t.hasMaxRetries()) maxRetries = t.getMaxRetries();
    }
    List<HostImpl> hosts =
        switch (c.getType()) {
          case STATIC -> hosts(c, c.getLoadAssignment(), w + ".load_assignment", false, false);
          case STRICT_DNS -> hosts(c, c.getLoadAssignment(), w + ".load_assignment", true, false);
          case LOGICAL_DNS -> hosts(c, c.getLoadAssignment(), w + ".load_assignment", true, true);
          case EDS -> {
            String svc = c.getEdsClusterConfig().getServiceName().isEmpty()
                ? c.getName() : c.getEdsClusterConfig().getServiceName();
            var res = s.endpoints().get(svc);
            yield res == null
                ? List.of()
                : hosts(c, res.value(), "ClusterLoadAssignment \"" + svc + "\"", false, false);
          }
          // Hosts of an ORIGINAL_DST cluster are each connection's original destination (or header):
          // made per request by ClusterRuntime.originalDst, none up front.
          case ORIGINAL_DST -> List.of();
          default -> throw new InvalidConfigException(w + ".type: " + c.getType() + " is not supported");
        };
    ClusterStats cs = clusterStats.computeIfAbsent(c.getName(), n -> new ClusterStats(stats, n));
    return new ClusterRuntime(
        c, cs, connectTimeout, maxConn, maxPending, maxReq, maxRetries,
        s.bootstrap().getNode().getLocality(), hosts, loops,
        clusterShared.computeIfAbsent(c.getName(), n -> io.minimesh.dataplane.upstream.ClusterShared.create(n, cs)));
  }

  /** Endpoints of a load assignment; DNS names are resolved now (caller thread, never an event loop). */
  public List<HostImpl> hosts(Cluster c, ClusterLoadAssignment la, String w, boolean dns, boolean logical)
      throws InvalidConfigException {
    List<HostImpl> out = new ArrayList<>();
    for (int i = 0; i < la.getEndpointsCount(); i++) {
      LocalityLbEndpoints le = la.getEndpoints(i);
      for (int j = 0; j < le.getLbEndpointsCount(); j++) {
        LbEndpoint ep = le.getLbEndpoints(j);
        String ew = w + ".endpoints[" + i + "].lb_endpoints[" + j + "].endpoint.address.socket_address";
        var sa = ep.getEndpoint().getAddress().getSocketAddress();
        if (sa.getAddress().isEmpty()) throw new InvalidConfigException(ew + ".address: required");
        if (sa.getPortValue() == 0 || sa.getPortValue() > 65535) {
          throw new InvalidConfigException(ew + ".port_value: must be in [1, 65535]");
        }
        List<InetAddress> addrs = new ArrayList<>();
        if (dns) {
          try {
            for (InetAddress a : InetAddress.getAllByName(sa.getAddress())) {
              if (c.getDnsLookupFamily() == Cluster.DnsLookupFamily.V4_ONLY && !(a instanceof java.net.Inet4Address)) continue;
              if (c.getDnsLookupFamily() == Cluster.DnsLookupFamily.V6_ONLY && !(a instanceof java.net.Inet6Address)) continue;
              addrs.add(a);
              if (logical) break;
            }
          } catch (UnknownHostException e) {
            // Unresolvable now: no hosts until a refresh succeeds (Envoy keeps the cluster).
          }
        } else {
          if (!isIpLiteral(sa.getAddress())) {
            throw new InvalidConfigException(
                ew + ".address: \"" + sa.getAddress() + "\" is not an IP address (use type STRICT_DNS for host names)");
          }
          try {
            addrs.add(InetAddress.getByName(sa.getAddress()));
          } catch (UnknownHostException e) {
            throw new InvalidConfigException(ew + ".address: invalid IP \"" + sa.getAddress() + "\"");
          }
        }
        boolean healthy =
            ep.getHealthStatus() == HealthStatus.UNKNOWN || ep.getHealthStatus() == HealthStatus.HEALTHY
                || ep.getHealthStatus() == HealthStatus.DEGRADED;
        for (InetAddress a : addrs) {
          InetSocketAddress isa = new InetSocketAddress(a, sa.getPortValue());
          String key = c.getName() + "|" + a.getHostAddress() + ":" + sa.getPortValue();
          HostStats hs = hostStats.computeIfAbsent(key, k -> new HostStats());
          int weight = ep.getLoadBalancingWeight() == 0 ? 1 : ep.getLoadBalancingWeight();
          String hostname = ep.getEndpoint().getHostname().isEmpty() && dns ? sa.getAddress() : ep.getEndpoint().getHostname();
          out.add(new HostImpl(isa, hostname, weight, le.getLocality(), le.getPriority(), healthy,
              ep.getHealthStatus().name(), hs, ep.getEndpoint().getHealthCheckConfig().getPortValue()));
        }
        if (logical && !out.isEmpty()) return out;
      }
    }
    return out;
  }

  static boolean isIpLiteral(String s) {
    return s.matches("[0-9.]+") || s.contains(":");
  }

  // ---- listeners ----

  private ListenerRuntime listener(Listener l, String w, Set<String> clusters, Map<String, Secret> secrets)
      throws InvalidConfigException {
    if (l.getName().isEmpty()) throw new InvalidConfigException(w + ".name: must not be empty");
    var sa = l.getAddress().getSocketAddress();
    if (sa.getAddress().isEmpty()) throw new InvalidConfigException(w + ".address.socket_address.address: required");
    if (sa.getPortValue() > 65535) {
      throw new InvalidConfigException(w + ".address.socket_address.port_value: must be in [0, 65535]");
    }
    InetSocketAddress addr;
    try {
      addr = new InetSocketAddress(InetAddress.getByName(sa.getAddress()), sa.getPortValue());
    } catch (UnknownHostException e) {
      throw new InvalidConfigException(w + ".address.socket_address.address: cannot resolve \"" + sa.getAddress() + "\"");
    }
    if (l.getFilterChainsCount() == 0 && !l.hasDefaultFilterChain()) {
      throw new InvalidConfigException(w + ".filter_chains: at least one filter chain is required");
    }
    // Every chain is compiled; a connection picks one (ListenerConnections / FilterChainSelector).
    List<FilterChainSelector.Entry<ListenerChain>> chains = new ArrayList<>();
    ListenerChain plain = null;
    boolean inspect = l.getListenerFiltersList().contains("tls_inspector");
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (int i = 0; i < l.getFilterChainsCount(); i++) {
      FilterChain fc = l.getFilterChains(i);
      String key = fc.getName().isEmpty() ? "#" + i : fc.getName();
      // Connections find their chain again by key: a repeated name must not alias the first chain.
      if (!keys.add(key)) key = key + "#" + i;
      ListenerChain c = chain(fc, key, w + ".filter_chains[" + i + "]", clusters, secrets);
      chains.add(new FilterChainSelector.Entry<>(fc.getFilterChainMatch(), c));
      FilterChainMatch m = fc.getFilterChainMatch();
      if (m.getServerNamesCount() > 0 || !m.getTransportProtocol().isEmpty() || m.getApplicationProtocolsCount() > 0) {
        inspect = true;
      }
      if (plain == null && c.tls() == null && matchesPlaintext(m)) plain = c;
    }
    ListenerChain dflt = null;
    if (l.hasDefaultFilterChain()) {
      FilterChain fc = l.getDefaultFilterChain();
      dflt = chain(fc, fc.getName().isEmpty() ? "#default" : fc.getName(), w + ".default_filter_chain", clusters, secrets);
      if (plain == null && dflt.tls() == null) plain = dflt;
    }
    FilterChainSelector<ListenerChain> selector;
    try {
      selector = new FilterChainSelector<>(chains, dflt);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(w + "." + e.getMessage(), e);
    }
    String statAddr = addr.getAddress().getHostAddress() + "_" + addr.getPort();
    String lp = "listener." + statAddr + ".";
    stats.tag(lp, "listener", "envoy_listener_address", statAddr);
    boolean bind = !l.hasBindToPort() || l.getBindToPort();
    return new ListenerRuntime(
        l.getName(), addr, bind, plain == null ? null : plain.hcm(), plain == null ? null : plain.tcp(),
        stats.counter(lp + "downstream_cx_total"), stats.gauge(lp + "downstream_cx_active"),
        selector, inspect, ListenerStats.create(stats, lp), l.getTrafficDirection(), l.getUseOriginalDst(),
        l.getUseOriginalDst() || l.getListenerFiltersList().contains("original_dst"));
  }

  private static boolean matchesPlaintext(FilterChainMatch m) {
    return m.getServerNamesCount() == 0
        && (m.getTransportProtocol().isEmpty() || m.getTransportProtocol().equals("raw_buffer"))
        && m.getApplicationProtocolsCount() == 0;
  }

  private ListenerChain chain(FilterChain chain, String key, String cw, Set<String> clusters, Map<String, Secret> secrets)
      throws InvalidConfigException {
    if (chain.getFiltersCount() == 0) throw new InvalidConfigException(cw + ".filters: at least one filter is required");
    HcmConfig hcm = null;
    TcpProxyConfig tcp = null;
    for (int i = 0; i < chain.getFiltersCount(); i++) {
      NetworkFilter f = chain.getFilters(i);
      String fw = cw + ".filters[" + i + "]";
      boolean last = i == chain.getFiltersCount() - 1;
      if (f.getName().equals(HCM) || (f.getName().isEmpty() && f.hasHttpConnectionManager())) {
        if (!f.hasHttpConnectionManager()) throw new InvalidConfigException(fw + ".typed_config: http_connection_manager config is required");
        if (!last) throw new InvalidConfigException(fw + ": " + HCM + " must be the last filter");
        hcm = hcm(f.getHttpConnectionManager(), fw + ".typed_config", clusters);
      } else if (f.getName().equals(TCP_PROXY) || (f.getName().isEmpty() && f.hasTcpProxy())) {
        if (!f.hasTcpProxy()) throw new InvalidConfigException(fw + ".typed_config: tcp_proxy config is required");
        if (!last) throw new InvalidConfigException(fw + ": " + TCP_PROXY + " must be the last filter");
        tcp = tcpProxy(f.getTcpProxy(), fw + ".typed_config");
      } else {
        throw new InvalidConfigException(fw + ": unsupported filter \"" + f.getName() + "\"");
      }
    }
    ServerTls st = null;
    if (chain.hasTransportSocket()) {
      if (chain.getTransportSocket().hasUpstreamTls()) {
        throw new InvalidConfigException(cw + ".transport_socket: a filter chain needs downstream_tls, not upstream_tls");
      }
      if (chain.getTransportSocket().hasDownstreamTls()) {
        st = tls.server(chain.getTransportSocket().getDownstreamTls(), secrets, cw + ".transport_socket.downstream_tls");
      }
    }
    return new ListenerChain(key, hcm, tcp, st);
  }

  private HcmConfig hcm(HttpConnectionManager h, String w, Set<String> clusters) throws InvalidConfigException {
    if (h.getStatPrefix().isEmpty()) throw new InvalidConfigException(w + ".stat_prefix: required");
    RouteTable inline = null;
    String rds = null;
    switch (h.getRouteSpecifierCase()) {
      case ROUTE_CONFIG -> inline = RouteTable.compile(h.getRouteConfig(), w + ".route_config", clusters, rateLimiters);
      case RDS -> {
        rds = h.getRds().getRouteConfigName();
        if (rds.isEmpty()) throw new InvalidConfigException(w + ".rds.route_config_name: required");
      }
      default -> throw new InvalidConfigException(w + ": route_config or rds is required");
    }
    List<io.minimesh.dataplane.filter.HttpFilter> filters = new ArrayList<>();
    boolean sawRouter = false;
    for (int i = 0; i < h.getHttpFiltersCount(); i++) {
      HttpFilter f = h.getHttpFilters(i);
      String fw = w + ".http_filters[" + i + "]";
      if (sawRouter) throw new InvalidConfigException(fw + ": " + ROUTER + " must be the last HTTP filter");
      if (f.getName().equals(ROUTER)) {
        sawRouter = true;
        continue;
      }
      if (io.minimesh.dataplane.http.HcmPolicies.handles(f.getName())) continue;
      HttpFilterFactory ff = filterFactories.get(f.getName());
      if (ff == null) throw new InvalidConfigException(fw + ": unsupported HTTP filter \"" + f.getName() + "\"");
      if (f.getDisabled()) continue;
      try {
        filters.add(ff.create(f.getConfig()));
      } catch (InvalidConfigException e) {
        throw new InvalidConfigException(fw + "." + e.getMessage(), e);
      }
    }
    List<HcmConfig.AccessLogTarget> logs = accessLogs(h.getAccessLogList(), w + ".access_log");
    Set<String> upgrades = new LinkedHashSet<>();
    for (var u : h.getUpgradeConfigsList()) {
      if (!u.hasEnabled() || u.getEnabled()) upgrades.add(u.getUpgradeType().toLowerCase());
    }
    int kb = h.getMaxRequestHeadersKb() == 0 ? 60 : h.getMaxRequestHeadersKb();
    if (kb > 8192) throw new InvalidConfigException(w + ".max_request_headers_kb: must be at most 8192");
    HttpStats hs = httpStats.computeIfAbsent(h.getStatPrefix(), p -> new HttpStats(stats, p));
    return new HcmConfig(
        h.getStatPrefix(),
        hs,
        inline,
        rds,
        List.copyOf(filters),
        logs,
        h.hasRequestHeadersTimeout() ? millis(h.getRequestHeadersTimeout()) : 10_000,
        h.hasStreamIdleTimeout() ? millis(h.getStreamIdleTimeout()) : 300_000,
        h.hasRequestTimeout() ? millis(h.getRequestTimeout()) : 0,
        h.hasIdleTimeout() ? millis(h.getIdleTimeout()) : 3_600_000,
        kb * 1024,
        h.getMaxRequestBodyBytes(),
        !h.hasGenerateRequestId() || h.getGenerateRequestId(),
        h.getServerName().isEmpty() ? "envoy" : h.getServerName(),
        Set.copyOf(upgrades),
        h.getCodecType() == HttpConnectionManager.CodecType.HTTP2,
        h.getCodecType() == HttpConnectionManager.CodecType.HTTP1,
        io.minimesh.dataplane.http.HcmPolicies.compile(h, w, rateLimiters, stats));
  }

  private static List<HcmConfig.AccessLogTarget> accessLogs(List<AccessLog> logs, String w)
      throws InvalidConfigException {
    List<HcmConfig.AccessLogTarget> out = new ArrayList<>();
    for (int i = 0; i < logs.size(); i++) {
      AccessLog a = logs.get(i);
      String aw = w + "[" + i + "]";
      if (a.getPath().isEmpty()) throw new InvalidConfigException(aw + ".path: required");
      try {
        AccessLogFormat f =
            a.getJsonFormatCount() > 0 ? AccessLogFormat.json(a.getJsonFormatMap()) : AccessLogFormat.text(a.getFormat());
        out.add(new HcmConfig.AccessLogTarget(a.getPath(), f));
      } catch (InvalidConfigException e) {
        throw new InvalidConfigException(aw + "." + e.getMessage(), e);
      }
    }
    return List.copyOf(out);
  }

  private TcpProxyConfig tcpProxy(TcpProxy t, String w) throws InvalidConfigException {
    if (t.getStatPrefix().isEmpty()) throw new InvalidConfigException(w + ".stat_prefix: required");
    List<RouteTable.WeightedTarget> targets = new ArrayList<>();
    switch (t.getClusterSpecifierCase()) {
      case CLUSTER -> {
        if (t.getCluster().isEmpty()) throw new InvalidConfigException(w + ".cluster: must not be empty");
        targets.add(new RouteTable.WeightedTarget(t.getCluster(), 1, HeaderMutations.NONE, HeaderMutations.NONE));
      }
      case WEIGHTED_CLUSTERS -> {
        var wc = t.getWeightedClusters();
        for (int i = 0; i < wc.getClustersCount(); i++) {
          var c = wc.getClusters(i);
          if (c.getName().isEmpty()) {
            throw new InvalidConfigException(w + ".weighted_clusters.clusters[" + i + "].name: must not be empty");
          }
          if (c.getWeight() > 0) {
            targets.add(new RouteTable.WeightedTarget(c.getName(), c.getWeight(), HeaderMutations.NONE, HeaderMutations.NONE));
          }
        }
        if (targets.isEmpty()) throw new InvalidConfigException(w + ".weighted_clusters: the sum of the weights must be positive");
      }
      default -> throw new InvalidConfigException(w + ": cluster or weighted_clusters is required");
    }
    String p = "tcp." + t.getStatPrefix() + ".";
    stats.tag(p, "tcp", "envoy_tcp_prefix", t.getStatPrefix());
    return new TcpProxyConfig(
        t.getStatPrefix(),
        List.copyOf(targets),
        targets.stream().mapToInt(RouteTable.WeightedTarget::weight).sum(),
        t.hasIdleTimeout() ? millis(t.getIdleTimeout()) : 3_600_000,
        t.hasMaxConnectAttempts() ? Math.max(1, t.getMaxConnectAttempts()) : 1,
        accessLogs(t.getAccessLogList(), w + ".access_log"),
        stats.counter(p + "downstream_cx_total"),
        stats.gauge(p + "downstream_cx_active"),
        stats.counter(p + "downstream_cx_no_route"),
        stats.counter(p + "idle_timeout"),
        stats.counter(p + "upstream_cx_connect_fail"));
  }
}
