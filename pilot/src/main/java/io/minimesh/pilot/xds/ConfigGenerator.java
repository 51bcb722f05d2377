package io.minimesh.pilot.xds;

import com.google.protobuf.Message;
import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.CertificateValidationContext;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.TcpProxy;
import io.minimesh.api.xds.v1.TlsCertificate;
import io.minimesh.api.xds.v1.VirtualHost;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.config.TlsSecret;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.ServicePort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The translation: a pure function of (PushContext, Proxy) to the proxy's listeners, routes, clusters,
 * endpoints and secrets. Results are memoized in the context by the proxy attributes translation reads,
 * so replicas of a gateway share one generation, and each resource is packed and hashed once.
 */
public final class ConfigGenerator {
  public static ProxyResources generate(PushContext ctx, Proxy proxy) {
    return ctx.cached(configKey(proxy), () -> new ConfigGenerator(ctx, proxy).run());
  }

  /** The key of the proxy's config in a context's memo: equal for proxies that get the same config. */
  public static Object configKey(Proxy proxy) {
    return List.of("proxy", proxy.cacheKey());
  }

  private final PushContext ctx;
  private final Proxy proxy;
  private final Map<String, SortedMap<String, Resource>> out = new HashMap<>();

  private ConfigGenerator(PushContext ctx, Proxy proxy) {
    this.ctx = ctx;
    this.proxy = proxy;
  }

  private ProxyResources run() {
    EndpointBuilder eb = new EndpointBuilder(ctx, proxy);
    ClusterBuilder cb = new ClusterBuilder(ctx, proxy, eb);
    ListenerBuilder lb = new ListenerBuilder(ctx, proxy);
    RouteConfigBuilder rcb = new RouteConfigBuilder(ctx, proxy);
    List<Listener> listeners;
    List<RouteConfiguration> routeConfigs = new ArrayList<>();
    Map<String, Integer> routePorts = new HashMap<>();
    Map<String, Cluster> clusters = new TreeMap<>();
    if (proxy.isRouter()) {
      Map<Integer, List<GatewayServers.Entry>> byPort = GatewayServers.of(ctx, proxy);
      listeners = lb.gateway(byPort);
      Map<String, List<GatewayServers.Entry>> byRoute = new LinkedHashMap<>();
      for (var entries : byPort.values()) {
        for (var e : entries) {
          if (e.kind() == GatewayServers.Kind.HTTP || e.kind() == GatewayServers.Kind.HTTPS_TERMINATE) {
            byRoute.computeIfAbsent(e.routeName(), k -> new ArrayList<>()).add(e);
          }
          if (e.kind() == GatewayServers.Kind.HTTPS_TERMINATE || e.kind() == GatewayServers.Kind.TLS_TERMINATE) secrets(e);
        }
      }
      byRoute.forEach((name, entries) -> routePorts.put(name, entries.get(0).port()));
      byRoute.forEach((name, entries) -> routeConfigs.add(
          ctx.cached(List.of("rds-gw", name, entries.stream().map(x -> x.gatewayName() + "#" + x.index()).toList(), proxy.labels(), proxy.namespace()),
              () -> rcb.gateway(name, entries))));
      // PILOT_FILTER_GATEWAY_CLUSTER_CONFIG: only what the routes and listeners reference.
      TreeSet<String> referenced = new TreeSet<>();
      routeConfigs.forEach(rc -> referencedClusters(rc, referenced));
      listeners.forEach(l -> referencedClusters(l, referenced));
      for (String name : referenced) {
        Cluster c = cb.outbound(name);
        if (c != null) clusters.put(name, c);
      }
      clusters.put(Names.BLACKHOLE, ClusterBuilder.blackhole());
    } else {
      SidecarScope scope = ctx.cached(List.of("scope", proxy.namespace(), proxy.labels()), () -> SidecarScope.of(ctx, proxy));
      List<InboundPorts.InboundPort> inbound = InboundPorts.of(ctx, proxy, scope);
      List<SidecarEgress> egress = SidecarEgress.of(scope, proxy);
      List<Integer> httpPorts = new ArrayList<>();
      listeners = lb.sidecar(scope, inbound, egress, httpPorts);
      for (int port : httpPorts) {
        routePorts.put(Integer.toString(port), port);
        routeConfigs.add(ctx.cached(List.of("rds-sc", port, proxy.namespace(), SidecarRouteKey.of(ctx, proxy, scope)), () -> rcb.sidecar(port, scope)));
      }
      for (SidecarEgress e : egress) {
        if (e.isHttp()) routePorts.put(e.routeName(), e.port());
        if (e.isHttp()) routeConfigs.add(ctx.cached(List.of("rds-egress", e, proxy.namespace(), proxy.labels()), () -> rcb.egress(e, scope)));
      }
      TreeSet<String> names = new TreeSet<>();
      for (Service svc : scope.services()) {
        ConfigResource dr = ctx.destinationRule(svc.hostname(), proxy.namespace(), svc.namespace());
        DestinationRuleSpec drs = dr == null ? null : dr.spec(DestinationRuleSpec.class);
        for (ServicePort sp : svc.ports()) {
          names.add(Names.outbound(sp.number(), null, svc.hostname()));
          if (drs != null && drs.subsets != null) drs.subsets.forEach(s -> names.add(Names.outbound(sp.number(), s.name, svc.hostname())));
        }
      }
      routeConfigs.forEach(rc -> referencedClusters(rc, names));
      listeners.forEach(l -> referencedClusters(l, names));
      for (String name : names) {
        Cluster c = cb.outbound(name);
        if (c != null) clusters.put(name, c);
      }
      clusters.put(Names.BLACKHOLE, ClusterBuilder.blackhole());
      clusters.put(Names.PASSTHROUGH, ClusterBuilder.passthrough(Names.PASSTHROUGH));
      clusters.put(Names.INBOUND_PASSTHROUGH, ClusterBuilder.passthrough(Names.INBOUND_PASSTHROUGH));
      for (var ip : inbound) clusters.put(Names.inbound(ip.port()), ClusterBuilder.inbound(ip));
    }
    RateLimits limits = new RateLimits(ctx, proxy);
    if (!limits.isEmpty()) {
      listeners = limits.listeners(listeners);
      routeConfigs.replaceAll(rc -> limits.routeConfig(rc, routePorts.getOrDefault(rc.getName(), 0)));
    }
    if (DebugInjection.enabled()) routeConfigs.replaceAll(DebugInjection::apply);
    upstreamSecrets(clusters.values());
    listeners = MeshAccessLog.current().apply(listeners);
    listeners.forEach(l -> put(TypeUrls.LISTENER, l.getName(), l));
    routeConfigs.forEach(r -> put(TypeUrls.ROUTE, r.getName(), r));
    clusters.forEach((n, c) -> {
      put(TypeUrls.CLUSTER, n, c);
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        ClusterLoadAssignment cla = eb.forCluster(n);
        if (cla != null) put(TypeUrls.ENDPOINT, n, cla);
      }
    });
    return new ProxyResources(out);
  }

  private void put(String type, String name, Message m) {
    Resource r = ctx.cached(List.of("res", type, m), () -> Resource.of(name, m));
    out.computeIfAbsent(type, k -> new TreeMap<>()).put(name, r);
  }

  private void secrets(GatewayServers.Entry e) {
    var tls = e.server().tls;
    if (tls == null || tls.credentialName == null) return;
    TlsSecret s = ctx.secret(e.gateway().namespace(), tls.credentialName);
    if (s == null) return;
    String name = Names.sdsName(tls.credentialName);
    put(TypeUrls.SECRET, name, Secret.newBuilder().setName(name)
        .setTlsCertificate(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setInlineString(s.certChain()))
            .setPrivateKey(DataSource.newBuilder().setInlineString(s.privateKey())))
        .build());
    String ca = ctx.caCert(e.gateway().namespace(), tls.credentialName);
    boolean mutual = "MUTUAL".equals(tls.mode) || "OPTIONAL_MUTUAL".equals(tls.mode);
    if (ca != null && mutual) {
      CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder().setTrustedCa(DataSource.newBuilder().setInlineString(ca));
      if (tls.subjectAltNames != null) tls.subjectAltNames.forEach(n -> v.addMatchSubjectAltNames(io.minimesh.api.xds.v1.StringMatcher.newBuilder().setExact(n)));
      put(TypeUrls.SECRET, name + "-cacert", Secret.newBuilder().setName(name + "-cacert").setValidationContext(v).build());
    }
  }

  /** DestinationRule tls.credentialName: the secret is read in the proxy's namespace (Istio: gateways only). */
  private void upstreamSecrets(java.util.Collection<Cluster> clusters) {
    for (Cluster c : clusters) {
      if (!c.hasTransportSocket() || !c.getTransportSocket().hasUpstreamTls()) continue;
      var ct = c.getTransportSocket().getUpstreamTls().getCommonTlsContext();
      java.util.List<String> names = new ArrayList<>();
      ct.getTlsCertificateSdsSecretConfigsList().forEach(x -> names.add(x.getName()));
      if (ct.hasValidationContextSdsSecretConfig()) names.add(ct.getValidationContextSdsSecretConfig().getName());
      for (String n : names) {
        if (!n.startsWith("kubernetes://")) continue;
        String cred = n.substring("kubernetes://".length());
        boolean ca = cred.endsWith("-cacert");
        if (ca) cred = cred.substring(0, cred.length() - "-cacert".length());
        if (!ca) {
          TlsSecret s = ctx.secret(proxy.namespace(), cred);
          if (s == null) continue;
          put(TypeUrls.SECRET, n, Secret.newBuilder().setName(n).setTlsCertificate(TlsCertificate.newBuilder()
              .setCertificateChain(DataSource.newBuilder().setInlineString(s.certChain()))
              .setPrivateKey(DataSource.newBuilder().setInlineString(s.privateKey()))).build());
        } else {
          String caPem = ctx.caCert(proxy.namespace(), cred);
          if (caPem == null) continue;
          put(TypeUrls.SECRET, n, Secret.newBuilder().setName(n).setValidationContext(
              CertificateValidationContext.newBuilder().setTrustedCa(DataSource.newBuilder().setInlineString(caPem))).build());
        }
      }
    }
  }

  static void referencedClusters(RouteConfiguration rc, java.util.Set<String> out) {
    for (VirtualHost vh : rc.getVirtualHostsList()) {
      for (Route r : vh.getRoutesList()) {
        if (!r.hasRoute()) continue;
        var a = r.getRoute();
        if (!a.getCluster().isEmpty()) out.add(a.getCluster());
        a.getWeightedClusters().getClustersList().forEach(c -> out.add(c.getName()));
        a.getRequestMirrorPoliciesList().forEach(m -> out.add(m.getCluster()));
      }
    }
  }

  static void referencedClusters(Listener l, java.util.Set<String> out) {
    List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
    if (l.hasDefaultFilterChain()) chains.add(l.getDefaultFilterChain());
    for (FilterChain fc : chains) {
      for (NetworkFilter f : fc.getFiltersList()) {
        if (f.hasTcpProxy()) {
          TcpProxy t = f.getTcpProxy();
          if (!t.getCluster().isEmpty()) out.add(t.getCluster());
          t.getWeightedClusters().getClustersList().forEach(c -> out.add(c.getName()));
        }
        if (f.hasHttpConnectionManager() && f.getHttpConnectionManager().hasRouteConfig()) {
          referencedClusters(f.getHttpConnectionManager().getRouteConfig(), out);
        }
      }
    }
    out.removeIf(n -> !n.startsWith("outbound|"));
  }
}
