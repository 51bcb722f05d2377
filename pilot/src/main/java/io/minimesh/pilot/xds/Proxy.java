package io.minimesh.pilot.xds;

import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.pilot.model.Localities;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What translation needs to know about a connected proxy, read from its Node. Node metadata keys read:
 * {@code port_map} ("80:8080,443:8443": a router binds the mapped port, so it can run unprivileged) and
 * {@code bind_ip} (address listeners bind, default 0.0.0.0) and Istio's {@code INTERCEPTION_MODE} ("NONE":
 * no iptables, so only explicitly bound listeners can receive traffic).
 */
public record Proxy(
    String id,
    ProxyType type,
    String namespace,
    Map<String, String> labels,
    List<String> ips,
    String locality,
    Map<Integer, Integer> portMap,
    String bindIp,
    boolean interceptionNone) {
  public Proxy {
    labels = Map.copyOf(labels);
    ips = List.copyOf(ips);
    portMap = Map.copyOf(portMap);
  }

  public static Proxy fromNode(Node n) {
    String ns = n.getNamespace();
    if (ns.isEmpty()) {
      int dot = n.getId().indexOf('.');
      ns = dot >= 0 ? n.getId().substring(dot + 1) : "default";
    }
    String loc = "";
    if (n.hasLocality()) {
      var l = n.getLocality();
      loc = l.getRegion() + (l.getZone().isEmpty() ? "" : "/" + l.getZone()) + (l.getSubZone().isEmpty() ? "" : "/" + l.getSubZone());
    }
    if (loc.isEmpty()) loc = Localities.fromLabels(n.getLabelsMap());
    Map<Integer, Integer> pm = new TreeMap<>();
    String spec = n.getMetadataMap().getOrDefault("port_map", n.getMetadataMap().getOrDefault("PORT_MAP", ""));
    for (String part : spec.split(",")) {
      String[] kv = part.trim().split(":");
      if (kv.length == 2) {
        try {
          pm.put(Integer.parseInt(kv[0].trim()), Integer.parseInt(kv[1].trim()));
        } catch (NumberFormatException ignored) {
          // a malformed entry is ignored; the port is bound as is
        }
      }
    }
    return new Proxy(n.getId(), n.getProxyType(), ns, new TreeMap<>(n.getLabelsMap()), n.getIpAddressesList(), loc, pm,
        n.getMetadataMap().getOrDefault("bind_ip", "0.0.0.0"),
        "NONE".equalsIgnoreCase(n.getMetadataMap().getOrDefault("INTERCEPTION_MODE", "")));
  }

  public boolean isRouter() {
    return type == ProxyType.ROUTER;
  }

  /** Port a listener for service/gateway port p binds. */
  public int bindPort(int p) {
    return portMap.getOrDefault(p, p);
  }

  /** Whether listeners bind one address rather than the wildcard. */
  boolean hasBindIp() {
    return !bindIp.equals("0.0.0.0") && !bindIp.equals("::");
  }

  /** The workload's own address: the bind address in local mode, else its first IP, else loopback. */
  String workloadIp() {
    if (hasBindIp()) return bindIp;
    return ips.isEmpty() ? "127.0.0.1" : ips.get(0);
  }

  /**
   * Inputs translation reads; proxies with equal keys get identical config. A router's addresses are not
   * read (only a sidecar's, for its inbound side), so the replicas of a gateway share one config.
   */
  Object cacheKey() {
    return new Proxy("", type, namespace, labels, isRouter() ? List.of() : ips, locality, portMap, bindIp, interceptionNone);
  }
}
