package io.minimesh.pilot.xds;

import io.minimesh.api.istio.SidecarSpec;
import io.minimesh.pilot.model.Protocols;
import java.util.ArrayList;
import java.util.List;

/**
 * A Sidecar egress listener the proxy binds itself (captureMode NONE, or a proxy without iptables): the
 * application sends to {@code bind:port} explicitly, typically using it as its HTTP proxy, and the
 * listener routes by Host among the services the entry's {@code hosts} import.
 */
record SidecarEgress(String bind, int port, String protocol, List<String> hosts) {
  SidecarEgress {
    hosts = List.copyOf(hosts);
  }

  String listenerName() {
    return bind + "_" + port;
  }

  /** Route configuration name: one per bound address and port, so proxies sharing a port never share it. */
  String routeName() {
    return bind + ":" + port;
  }

  boolean isHttp() {
    return Protocols.isHttp(protocol) || "HTTP_PROXY".equals(protocol);
  }

  static List<SidecarEgress> of(SidecarScope scope, Proxy proxy) {
    SidecarSpec spec = spec(scope);
    List<SidecarEgress> out = new ArrayList<>();
    if (spec == null || spec.egress == null) return out;
    for (var e : spec.egress) {
      if (e.port == null || e.port.number == null) continue; // a port-less entry only scopes the hosts
      if (!proxy.interceptionNone() && !"NONE".equals(e.captureMode)) continue;
      if (e.bind != null && e.bind.startsWith("unix://")) continue; // rejected by validation
      // Istio binds 127.0.0.1 by default for NONE; a proxy with its own address binds that instead, so
      // several workloads on one machine can each have the same egress port.
      String bind = e.bind != null && !e.bind.isBlank() ? e.bind : proxy.hasBindIp() ? proxy.bindIp() : "127.0.0.1";
      String protocol = "HTTP_PROXY".equalsIgnoreCase(e.port.protocol) ? "HTTP_PROXY" : Protocols.normalize(e.port.protocol, e.port.name);
      out.add(new SidecarEgress(bind, e.port.number, protocol, e.hosts == null ? List.of("*/*") : e.hosts));
    }
    return out;
  }

  /**
   * Whether the catch-all capture listeners (virtualOutbound and the per-port bind_to_port=false ones) can
   * receive traffic: not without iptables, nor when every egress entry of the Sidecar says NONE.
   */
  static boolean outboundCaptured(SidecarScope scope, Proxy proxy) {
    if (proxy.interceptionNone()) return false;
    SidecarSpec spec = spec(scope);
    if (spec == null || spec.egress == null || spec.egress.isEmpty()) return true;
    return spec.egress.stream().anyMatch(e -> !"NONE".equals(e.captureMode));
  }

  private static SidecarSpec spec(SidecarScope scope) {
    return scope.sidecar() == null ? null : scope.sidecar().spec(SidecarSpec.class);
  }
}
