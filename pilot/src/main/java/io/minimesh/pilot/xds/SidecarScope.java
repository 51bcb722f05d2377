package io.minimesh.pilot.xds;

import io.minimesh.api.istio.SidecarSpec;
import io.minimesh.api.istio.VirtualServiceSpec;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.Hosts;
import io.minimesh.pilot.model.Labels;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.Visibility;
import java.util.ArrayList;
import java.util.List;

/**
 * What a sidecar may see: the Sidecar resource that applies to it (workloadSelector match in its
 * namespace, else the namespace default, else the root namespace default), the services and mesh
 * VirtualServices its egress hosts allow, and the outbound traffic policy.
 */
record SidecarScope(ConfigResource sidecar, List<Service> services, List<ConfigResource> virtualServices, boolean registryOnly,
    VirtualServiceIndex virtualServiceIndex) {
  static SidecarScope of(PushContext ctx, Proxy proxy) {
    ConfigResource sc = select(ctx, proxy);
    SidecarSpec spec = sc == null ? null : sc.spec(SidecarSpec.class);
    List<String> egress = new ArrayList<>();
    if (spec != null && spec.egress != null) spec.egress.forEach(e -> egress.addAll(e.hosts));
    String scNs = sc == null ? proxy.namespace() : proxy.namespace();
    List<Service> services = new ArrayList<>();
    java.util.Set<String> seenHosts = new java.util.HashSet<>();
    for (Service s : ctx.services()) {
      if (!s.visibleFrom(proxy.namespace())) continue;
      if (!egress.isEmpty() && !allowed(egress, s.namespace(), s.hostname(), scNs)) continue;
      if (!seenHosts.add(s.hostname())) continue;
      services.add(s);
    }
    List<ConfigResource> vss = new ArrayList<>();
    for (ConfigResource v : ctx.virtualServices()) {
      VirtualServiceSpec vs = v.spec(VirtualServiceSpec.class);
      if (vs.hosts == null || vs.hosts.isEmpty()) continue; // delegates are only reached through their root
      boolean mesh = vs.gateways == null || vs.gateways.isEmpty() || vs.gateways.contains("mesh");
      if (!mesh || !Visibility.visible(vs.exportTo, v.namespace(), proxy.namespace())) continue;
      if (!egress.isEmpty() && RouteBuilder.hosts(v).stream().noneMatch(h -> allowed(egress, v.namespace(), h, scNs))) continue;
      vss.add(v);
    }
    boolean registryOnly = spec != null && spec.outboundTrafficPolicy != null && "REGISTRY_ONLY".equals(spec.outboundTrafficPolicy.mode);
    return new SidecarScope(sc, services, vss, registryOnly, new VirtualServiceIndex(vss));
  }

  private static ConfigResource select(PushContext ctx, Proxy proxy) {
    ConfigResource nsDefault = null;
    ConfigResource rootDefault = null;
    for (ConfigResource s : ctx.sidecars()) {
      SidecarSpec sp = s.spec(SidecarSpec.class);
      boolean hasSelector = sp.workloadSelector != null && sp.workloadSelector.labels != null && !sp.workloadSelector.labels.isEmpty();
      if (s.namespace().equals(proxy.namespace())) {
        if (hasSelector && Labels.subsetOf(sp.workloadSelector.labels, proxy.labels())) return s;
        if (!hasSelector && nsDefault == null) nsDefault = s;
      } else if (s.namespace().equals(PushContext.ROOT_NAMESPACE) && !hasSelector && rootDefault == null) {
        rootDefault = s;
      }
    }
    return nsDefault != null ? nsDefault : rootDefault;
  }

  /** Egress "ns/host" entries: ns "*" any, "." the proxy's, "~" none; host "*" or a (wildcard) name. */
  static boolean allowed(List<String> egress, String ns, String host, String proxyNs) {
    for (String e : egress) {
      String[] p = GatewayServers.splitHost(e, proxyNs);
      if (e.startsWith("~/")) continue;
      if (p[0] != null && !p[0].equals(ns)) continue;
      String h = Hosts.resolve(p[1], ns);
      if (Hosts.covers(h, host) || Hosts.covers(p[1], host)) return true;
    }
    return false;
  }
}
