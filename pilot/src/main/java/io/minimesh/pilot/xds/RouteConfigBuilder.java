package io.minimesh.pilot.xds;

import io.minimesh.api.istio.VirtualServiceSpec;
import io.minimesh.api.xds.v1.DirectResponseAction;
import io.minimesh.api.xds.v1.RedirectAction;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.VirtualHost;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.Hosts;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.ServicePort;
import io.minimesh.pilot.model.Visibility;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** RDS: gateway route configurations (http.&lt;port&gt;, https.…) and sidecar ones (named by port). */
final class RouteConfigBuilder {
  private static final Route HTTPS_REDIRECT = Route.newBuilder().setName("https-redirect")
      .setMatch(RouteMatch.newBuilder().setPrefix("/"))
      .setRedirect(RedirectAction.newBuilder().setHttpsRedirect(true).setResponseCode(RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY))
      .build();

  private final PushContext ctx;
  private final Proxy proxy;
  private final RouteBuilder routes;

  RouteConfigBuilder(PushContext ctx, Proxy proxy) {
    this.ctx = ctx;
    this.proxy = proxy;
    this.routes = new RouteBuilder(ctx, proxy);
  }

  /** Virtual hosts = server hosts ∩ hosts of the VirtualServices bound to the servers' gateways. */
  RouteConfiguration gateway(String name, List<GatewayServers.Entry> servers) {
    Map<String, VirtualHost.Builder> vhosts = new LinkedHashMap<>();
    Map<String, Set<String>> vsAdded = new LinkedHashMap<>();
    Set<String> redirectHosts = new java.util.LinkedHashSet<>();
    for (GatewayServers.Entry e : servers) {
      for (ConfigResource vs : ctx.virtualServices()) {
        VirtualServiceSpec spec = vs.spec(VirtualServiceSpec.class);
        if (spec.gateways == null || !RouteBuilder.matchesGateway(spec.gateways, vs.namespace(), e.gatewayName())) continue;
        if (!Visibility.visible(spec.exportTo, vs.namespace(), e.gateway().namespace())) continue;
        if (spec.http == null || spec.http.isEmpty()) continue;
        List<Route> vsRoutes = null;
        for (String vsHost : RouteBuilder.hosts(vs)) {
          for (String entry : e.server().hosts) {
            String[] p = GatewayServers.splitHost(entry, e.gateway().namespace());
            if (p[0] != null && !p[0].equals(vs.namespace())) continue;
            if (!Hosts.matches(vsHost, p[1])) continue;
            String domain = Hosts.moreSpecific(vsHost, p[1]);
            if (!vsAdded.computeIfAbsent(domain, k -> new HashSet<>()).add(vs.key().toString())) continue;
            if (vsRoutes == null) vsRoutes = routes.routes(vs, e.gatewayName(), e.port());
            vhost(vhosts, domain, e.port()).addAllRoutes(vsRoutes);
          }
        }
      }
      if (e.kind() == GatewayServers.Kind.HTTP && e.server().tls != null && Boolean.TRUE.equals(e.server().tls.httpsRedirect)) {
        for (String entry : e.server().hosts) redirectHosts.add(GatewayServers.splitHost(entry, e.gateway().namespace())[1]);
      }
    }
    // httpsRedirect: every request for those hosts gets 301 to https:// (Istio sets require_tls ALL,
    // which Envoy answers the same way; the explicit redirect route says it to any proxy).
    for (String h : redirectHosts) {
      for (var v : vhosts.entrySet()) {
        if (!Hosts.covers(h, v.getKey())) continue;
        v.getValue().clearRoutes().setRequireTls(VirtualHost.TlsRequirementType.ALL)
            .addRoutes(HTTPS_REDIRECT);
      }
      if (!vhosts.containsKey(h)) {
        vhost(vhosts, h, servers.get(0).port()).setRequireTls(VirtualHost.TlsRequirementType.ALL)
            .addRoutes(HTTPS_REDIRECT);
      }
    }
    RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(name).setValidateClusters(false);
    vhosts.values().forEach(v -> rc.addVirtualHosts(v));
    return rc.build();
  }

  private static VirtualHost.Builder vhost(Map<String, VirtualHost.Builder> vhosts, String domain, int port) {
    return vhosts.computeIfAbsent(domain, d -> {
      VirtualHost.Builder v = VirtualHost.newBuilder().setName(d + ":" + port).addDomains(d);
      if (!d.equals("*")) v.addDomains(d + ":*");
      return v;
    });
  }

  /** Sidecar route configuration for one service port: a virtual host per service, plus the catch-all. */
  RouteConfiguration sidecar(int port, SidecarScope scope) {
    RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(Integer.toString(port)).setValidateClusters(false);
    Set<String> usedDomains = new HashSet<>();
    for (Service svc : scope.services()) {
      ServicePort sp = svc.port(port).orElse(null);
      if (sp == null || !sp.isHttp()) continue;
      VirtualHost.Builder v = serviceVhost(scope, svc, port, domains(svc, port), usedDomains);
      if (v != null) rc.addVirtualHosts(v);
    }
    catchAll(rc, scope);
    return rc.build();
  }

  /**
   * Route configuration of an explicitly bound egress listener (the application's HTTP proxy): a virtual
   * host per HTTP port of every service the entry's hosts import, so a request for {@code host} or
   * {@code host:port} reaches that port's cluster whatever port the listener itself has. Bare names go
   * to the listener's own port if the service has it, else port 80, else its lowest HTTP port.
   */
  RouteConfiguration egress(SidecarEgress e, SidecarScope scope) {
    RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(e.routeName()).setValidateClusters(false);
    Set<String> usedDomains = new HashSet<>();
    for (Service svc : scope.services()) {
      if (!SidecarScope.allowed(e.hosts(), svc.namespace(), svc.hostname(), proxy.namespace())) continue;
      List<ServicePort> ports = new ArrayList<>(svc.ports().stream().filter(ServicePort::isHttp).toList());
      ports.sort(java.util.Comparator.comparingInt((ServicePort p) -> p.number() == e.port() ? 0 : p.number() == 80 ? 1 : 2)
          .thenComparingInt(ServicePort::number));
      boolean first = true;
      for (ServicePort sp : ports) {
        List<String> ds = domains(svc, sp.number());
        if (!first) ds = ds.stream().filter(d -> d.endsWith(":" + sp.number())).toList();
        first = false;
        VirtualHost.Builder v = serviceVhost(scope, svc, sp.number(), ds, usedDomains);
        if (v != null) rc.addVirtualHosts(v);
      }
    }
    catchAll(rc, scope);
    return rc.build();
  }

  /** {@code host:port} virtual host: the host's VirtualService routes for the port, else its cluster. */
  private VirtualHost.Builder serviceVhost(SidecarScope scope, Service svc, int port, List<String> domains, Set<String> usedDomains) {
    VirtualHost.Builder v = VirtualHost.newBuilder().setName(svc.hostname() + ":" + port);
    for (String d : domains) if (usedDomains.add(d)) v.addDomains(d);
    if (v.getDomainsCount() == 0) return null;
    List<Route> rs = new ArrayList<>();
    ConfigResource vs = scope.virtualServiceIndex().firstCovering(svc.hostname()); // one per host, the oldest (Istio)
    if (vs != null) rs.addAll(routes.routes(vs, "mesh", port));
    if (rs.isEmpty()) rs.add(RouteBuilder.defaultRoute(Names.outbound(port, null, svc.hostname()), "default"));
    v.addAllRoutes(rs);
    return v;
  }

  private static void catchAll(RouteConfiguration.Builder rc, SidecarScope scope) {
    if (scope.registryOnly()) {
      rc.addVirtualHosts(VirtualHost.newBuilder().setName("block_all").addDomains("*")
          .addRoutes(Route.newBuilder().setName("block_all").setMatch(RouteMatch.newBuilder().setPrefix("/"))
              .setDirectResponse(DirectResponseAction.newBuilder().setStatus(502))));
    } else {
      rc.addVirtualHosts(VirtualHost.newBuilder().setName("allow_any").addDomains("*")
          .addRoutes(RouteBuilder.defaultRoute(Names.PASSTHROUGH, "allow_any")));
    }
  }

  /** host, host:port, short names for a Kubernetes-style host in the proxy's namespace, and the VIPs. */
  private List<String> domains(Service svc, int port) {
    List<String> d = new ArrayList<>();
    String h = svc.hostname();
    d.add(h);
    d.add(h + ":" + port);
    String suffix = "." + svc.namespace() + "." + Hosts.DOMAIN_SUFFIX;
    if (h.endsWith(suffix)) {
      String name = h.substring(0, h.length() - suffix.length());
      for (String alias : new String[] {name + "." + svc.namespace() + ".svc", name + "." + svc.namespace()}) {
        d.add(alias);
        d.add(alias + ":" + port);
      }
      if (svc.namespace().equals(proxy.namespace())) {
        d.add(name);
        d.add(name + ":" + port);
      }
    }
    for (String a : svc.addresses()) {
      if (a.contains("/")) continue;
      d.add(a);
      d.add(a + ":" + port);
    }
    return d;
  }
}
