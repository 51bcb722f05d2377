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
 * Ports a sidecar receives traffic on for its own workload: from the registry (endpoints whose address is
 * one of the proxy's IPs, or WorkloadEntries whose labels the proxy carries in its namespace), or from the
 * Sidecar's ingress listeners. Each forwards to the application on 127.0.0.1.
 */
final class InboundPorts {
  record InboundPort(int port, String protocol, String appHost, int appPort) {}

  static List<InboundPort> of(PushContext ctx, Proxy proxy, SidecarScope scope) {
    Map<Integer, InboundPort> out = new TreeMap<>();
    for (var e : ctx.allInstances().entrySet()) {
      for (WorkloadInstance wi : e.getValue()) {
        boolean mine = proxy.ips().contains(wi.address())
            || (wi.serviceNamespace().equals(proxy.namespace()) && !wi.labels().isEmpty() && Labels.subsetOf(wi.labels(), proxy.labels()));
        if (!mine) continue;
        Service svc = ctx.service(wi.serviceHost(), wi.serviceNamespace());
        if (svc == null) continue;
        for (ServicePort sp : svc.ports()) {
          int p = wi.portFor(sp);
          out.putIfAbsent(p, new InboundPort(p, sp.protocol(), "127.0.0.1", p));
        }
      }
    }
    if (scope.sidecar() != null) {
      SidecarSpec spec = scope.sidecar().spec(SidecarSpec.class);
      if (spec.ingress != null) {
        for (var in : spec.ingress) {
          int p = in.port.number;
          String host = "127.0.0.1";
          int appPort = p;
          if (in.defaultEndpoint != null && in.defaultEndpoint.contains(":")) {
            int c = in.defaultEndpoint.lastIndexOf(':');
            host = in.defaultEndpoint.substring(0, c);
            if (host.isEmpty() || host.equals("0.0.0.0")) host = "127.0.0.1";
            try {
              appPort = Integer.parseInt(in.defaultEndpoint.substring(c + 1));
            } catch (NumberFormatException ignored) {
              // unix sockets are not supported; forward to the same port
            }
          }
          out.put(p, new InboundPort(p, Protocols.normalize(in.port.protocol, in.port.name), host, appPort));
        }
      }
    }
    return List.copyOf(out.values());
  }

  private InboundPorts() {}
}
