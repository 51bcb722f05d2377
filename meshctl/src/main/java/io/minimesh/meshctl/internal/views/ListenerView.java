package io.minimesh.meshctl.internal.views;

import io.minimesh.api.xds.v1.CidrRange;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.FilterChainMatch;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.TcpProxy;
import io.minimesh.api.xds.v1.WeightedCluster;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** {@code proxy-config listeners}: one row per filter chain, istioctl's columns. */
public final class ListenerView {
  /** Filters; null means "any". {@code type} is HTTP or TCP. */
  public record Filter(String name, String address, Integer port, String type) {
    public static final Filter ALL = new Filter(null, null, null, null);

    boolean keepsListener(Listener l) {
      return (name == null || name.equals(l.getName()))
          && (address == null || address.equals(l.getAddress().getSocketAddress().getAddress()))
          && (port == null || port == l.getAddress().getSocketAddress().getPortValue());
    }

    boolean keepsChain(FilterChain fc) {
      return type == null || type.equalsIgnoreCase(chainType(fc));
    }
  }

  public static List<Listener> select(List<Listener> listeners, Filter f) {
    return sorted(listeners).stream().filter(f::keepsListener).toList();
  }

  public static Table table(List<Listener> listeners, Filter f) {
    List<List<String>> rows = new ArrayList<>();
    for (Listener l : select(listeners, f)) {
      String addr = l.getAddress().getSocketAddress().getAddress();
      String port = String.valueOf(l.getAddress().getSocketAddress().getPortValue());
      List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
      boolean onlyDefault = chains.isEmpty();
      if (l.hasDefaultFilterChain()) {
        chains.add(l.getDefaultFilterChain());
      }
      if (chains.isEmpty()) {
        rows.add(List.of(addr, port, "ALL", "Non-HTTP/Non-TCP"));
        continue;
      }
      for (int i = 0; i < chains.size(); i++) {
        FilterChain fc = chains.get(i);
        if (!f.keepsChain(fc)) {
          continue;
        }
        boolean isDefault = l.hasDefaultFilterChain() && i == chains.size() - 1;
        String match = isDefault && !onlyDefault ? "DEFAULT" : match(fc.getFilterChainMatch());
        rows.add(List.of(addr, port, match, destination(fc)));
      }
    }
    return new Table(List.of("ADDRESSES", "PORT", "MATCH", "DESTINATION"), rows);
  }

  static List<Listener> sorted(List<Listener> listeners) {
    return listeners.stream()
        .sorted(
            Comparator.<Listener>comparingInt(l -> l.getAddress().getSocketAddress().getPortValue())
                .thenComparing(l -> l.getAddress().getSocketAddress().getAddress())
                .thenComparing(Listener::getName))
        .toList();
  }

  static String match(FilterChainMatch m) {
    List<String> parts = new ArrayList<>();
    if (m.getServerNamesCount() > 0) {
      parts.add("SNI: " + String.join(",", m.getServerNamesList()));
    }
    if (m.getPrefixRangesCount() > 0) {
      parts.add("Addr: " + cidrs(m.getPrefixRangesList()));
    }
    if (m.getSourcePrefixRangesCount() > 0) {
      parts.add("SrcAddr: " + cidrs(m.getSourcePrefixRangesList()));
    }
    if (!m.getTransportProtocol().isEmpty()) {
      parts.add("Trans: " + m.getTransportProtocol());
    }
    if (m.getApplicationProtocolsCount() > 0) {
      parts.add("App: " + String.join(",", m.getApplicationProtocolsList()));
    }
    if (m.hasDestinationPort()) {
      parts.add("DestPort: " + m.getDestinationPort());
    }
    return parts.isEmpty() ? "ALL" : String.join("; ", parts);
  }

  private static String cidrs(List<CidrRange> ranges) {
    return ranges.stream()
        .map(r -> r.getAddressPrefix() + "/" + r.getPrefixLen())
        .collect(Collectors.joining(","));
  }

  static String chainType(FilterChain fc) {
    for (NetworkFilter f : fc.getFiltersList()) {
      if (f.hasHttpConnectionManager()) return "HTTP";
    }
    for (NetworkFilter f : fc.getFiltersList()) {
      if (f.hasTcpProxy()) return "TCP";
    }
    return "";
  }

  static String destination(FilterChain fc) {
    for (NetworkFilter f : fc.getFiltersList()) {
      if (f.hasHttpConnectionManager()) {
        HttpConnectionManager hcm = f.getHttpConnectionManager();
        if (hcm.hasRds()) return "Route: " + hcm.getRds().getRouteConfigName();
        if (hcm.hasRouteConfig()) return "Inline Route: " + hcm.getRouteConfig().getName();
        return "HTTP";
      }
    }
    for (NetworkFilter f : fc.getFiltersList()) {
      if (f.hasTcpProxy()) {
        TcpProxy tcp = f.getTcpProxy();
        if (tcp.hasWeightedClusters()) return "Clusters: " + weighted(tcp.getWeightedClusters());
        return "Cluster: " + tcp.getCluster();
      }
    }
    return "Non-HTTP/Non-TCP";
  }

  static String weighted(WeightedCluster wc) {
    return wc.getClustersList().stream()
        .map(c -> c.getName() + " (" + c.getWeight() + ")")
        .collect(Collectors.joining(", "));
  }

  private ListenerView() {}
}
