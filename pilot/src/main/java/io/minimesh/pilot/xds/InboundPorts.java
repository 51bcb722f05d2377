package io.minimesh.pilot.xds;

import io.minimesh.api.istio.SidecarSpec;
import io.minimesh.pilot.model.Labels;
import io.minimesh.pilot.model.Protocols;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.ServicePort;
import io.minimesh.pilot.model.WorkloadInstance;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ports a sidecar receives traffic on for its own workload: the Sidecar's ingress listeners when it has
 * any (they replace the registry's, as in Istio), else the registry's (endpoints whose address is one of
 * the proxy's IPs, or WorkloadEntries whose labels the proxy carries in its namespace). Registry ports
 * forward to the application on 127.0.0.1.
 */
final class InboundPorts {
  /**
   * One inbound port. {@code bind} is the address of its own listener (Sidecar ingress with captureMode
   * NONE, or a proxy without iptables), or null when the port is a filter chain of the captured
   * virtualInbound listener.
   */
  record InboundPort(int port, String protocol, String appHost, int appPort, String bind) {
    boolean captured() {
      return bind == null;
    }

    /** Istio's listener name for an explicitly bound port. */
    String listenerName() {
      return bind + "_" + port;
    }
  }

  static List<InboundPort> of(PushContext ctx, Proxy proxy, SidecarScope scope) {
    Map<Integer, InboundPort> out = new TreeMap<>();
    SidecarSpec spec = scope.sidecar() == null ? null : scope.sidecar().spec(SidecarSpec.class);
    if (spec != null && spec.ingress != null && !spec.ingress.isEmpty()) {
      for (var in : spec.ingress) {
        if (in.port == null || in.port.number == null) continue; // rejected by validation
        int p = in.port.number;
        String host = "127.0.0.1";
        int appPort = p;
        if (in.defaultEndpoint != null && in.defaultEndpoint.startsWith("unix://")) continue; // rejected by validation
        if (in.defaultEndpoint != null && in.defaultEndpoint.contains(":")) {
          int c = in.defaultEndpoint.lastIndexOf(':');
          host = stripBrackets(in.defaultEndpoint.substring(0, c));
          // 0.0.0.0 / [::] mean "the workload's own address" (Istio); loopback stays loopback.
          if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) host = proxy.workloadIp();
          try {
            appPort = Integer.parseInt(in.defaultEndpoint.substring(c + 1));
          } catch (NumberFormatException ignored) {
            // rejected by validation; forward to the same port
          }
        }
        String bind = null;
        if (proxy.interceptionNone() || "NONE".equals(in.captureMode)) {
          bind = in.bind != null && !in.bind.isBlank() ? in.bind : proxy.hasBindIp() ? proxy.bindIp() : proxy.workloadIp();
        }
        out.put(p, new InboundPort(p, Protocols.normalize(in.port.protocol, in.port.name), host, appPort, bind));
      }
      return List.copyOf(out.values());
    }
    // Without iptables nothing reaches a registry port but the application itself, which owns it.
    if (proxy.interceptionNone()) return List.of();
    for (var e : ctx.allInstances().entrySet()) {
      for (WorkloadInstance wi : e.getValue()) {
        if (!concerns(proxy, wi)) continue;
        Service svc = ctx.service(wi.serviceHost(), wi.serviceNamespace());
        if (svc == null) continue;
        for (ServicePort sp : svc.ports()) {
          int p = wi.portFor(sp);
          out.putIfAbsent(p, new InboundPort(p, sp.protocol(), "127.0.0.1", p, null));
        }
      }
    }
    return List.copyOf(out.values());
  }

  /** Whether the instance is the proxy's own workload, whose ports become inbound listeners. */
  static boolean concerns(Proxy proxy, WorkloadInstance wi) {
    return proxy.ips().contains(wi.address())
        || (wi.serviceNamespace().equals(proxy.namespace()) && !wi.labels().isEmpty() && Labels.subsetOf(wi.labels(), proxy.labels()));
  }

  private static String stripBrackets(String h) {
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  private InboundPorts() {}
}
