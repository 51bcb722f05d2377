package io.minimesh.pilot.xds;

import io.minimesh.api.istio.GatewaySpec;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.Labels;
import io.minimesh.pilot.model.Protocols;
import io.minimesh.pilot.model.PushContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The Gateway servers a router proxy serves, grouped by the port it binds. */
final class GatewayServers {
  enum Kind {
    HTTP,
    HTTPS_TERMINATE,
    /** Protocol TLS with mode SIMPLE/MUTUAL: TLS terminated, the bytes then routed by VirtualService tcp[]. */
    TLS_TERMINATE,
    TLS_PASSTHROUGH,
    TCP
  }

  record Entry(ConfigResource gateway, GatewaySpec.Server server, int index, int port, int bindPort, Kind kind) {
    String gatewayName() {
      return gateway.namespace() + "/" + gateway.name();
    }

    /** Route configuration name, as Istio names it. */
    String routeName() {
      if (kind == Kind.HTTP) return "http." + bindPort;
      String sn = server.port.name != null ? server.port.name : Integer.toString(index);
      return "https." + port + "." + sn + "." + gateway.name() + "." + gateway.namespace();
    }

    String protocol() {
      return server.port.protocol.toUpperCase(Locale.ROOT);
    }
  }

  /** Servers by bind port, in Gateway order; servers whose certificate is missing are left out. */
  static Map<Integer, List<Entry>> of(PushContext ctx, Proxy proxy) {
    Map<Integer, List<Entry>> out = new TreeMap<>();
    for (ConfigResource g : ctx.gateways()) {
      GatewaySpec gs = g.spec(GatewaySpec.class);
      if (gs.selector != null && !gs.selector.isEmpty() ? !Labels.subsetOf(gs.selector, proxy.labels()) : false) continue;
      for (int i = 0; i < gs.servers.size(); i++) {
        GatewaySpec.Server s = gs.servers.get(i);
        Kind kind = kind(s);
        if (kind == null) continue;
        if (!ctx.served(g, i)) continue; // certificate missing or invalid: reported, the rest keeps working
        int port = s.port.number;
        out.computeIfAbsent(proxy.bindPort(port), k -> new ArrayList<>())
            .add(new Entry(g, s, i, port, proxy.bindPort(port), kind));
      }
    }
    return out;
  }

  private static Kind kind(GatewaySpec.Server s) {
    String p = s.port.protocol.toUpperCase(Locale.ROOT);
    String mode = s.tls == null || s.tls.mode == null ? "" : s.tls.mode;
    if (mode.equals("ISTIO_MUTUAL")) return null; // needs mesh identity: reported as unsupported
    boolean terminate = mode.equals("SIMPLE") || mode.equals("MUTUAL") || mode.equals("OPTIONAL_MUTUAL");
    if (p.equals("HTTPS")) return mode.equals("PASSTHROUGH") || mode.equals("AUTO_PASSTHROUGH") ? Kind.TLS_PASSTHROUGH : Kind.HTTPS_TERMINATE;
    if (p.equals("TLS")) return terminate ? Kind.TLS_TERMINATE : Kind.TLS_PASSTHROUGH;
    if (Protocols.isHttp(p)) return Kind.HTTP;
    return Kind.TCP;
  }

  /** Server host entry "ns/host" split into (namespace filter or null, host). */
  static String[] splitHost(String entry, String gatewayNs) {
    int slash = entry.indexOf('/');
    if (slash < 0) return new String[] {null, entry};
    String ns = entry.substring(0, slash);
    if (ns.equals("*")) ns = null;
    else if (ns.equals(".")) ns = gatewayNs;
    return new String[] {ns, entry.substring(slash + 1)};
  }

  private GatewayServers() {}
}
