package io.minimesh.agent.internal;

import java.util.List;
import java.util.regex.Pattern;

/** What {@code pilot-agent iptables} captures; the defaults are those of Istio's injected init container. */
record IptablesConfig(
    int proxyUid,
    int proxyGid,
    int outboundPort,
    int inboundPort,
    boolean captureAllInbound,
    List<Integer> includeInboundPorts,
    List<Integer> excludeInboundPorts,
    List<Integer> excludeOutboundPorts,
    boolean captureAllOutbound,
    List<String> includeOutboundCidrs,
    List<String> excludeOutboundCidrs,
    List<Integer> includeOutboundPorts,
    List<String> excludeInterfaces) {

  private static final Pattern CIDR =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(/(\\d{1,2}))?");

  IptablesConfig {
    if (proxyUid < 0 || proxyGid < 0) {
      throw new IllegalArgumentException("--proxy-uid/--proxy-gid must be >= 0");
    }
    Flags.port("--outbound-port", outboundPort, false);
    Flags.port("--inbound-port", inboundPort, false);
    includeInboundPorts = List.copyOf(includeInboundPorts);
    excludeInboundPorts = List.copyOf(excludeInboundPorts);
    excludeOutboundPorts = List.copyOf(excludeOutboundPorts);
    includeOutboundCidrs = List.copyOf(includeOutboundCidrs);
    excludeOutboundCidrs = List.copyOf(excludeOutboundCidrs);
    includeOutboundPorts = List.copyOf(includeOutboundPorts);
    excludeInterfaces = List.copyOf(excludeInterfaces);
    for (String i : excludeInterfaces) {
      if (!i.matches("[A-Za-z0-9_.@+-]{1,15}")) {
        throw new IllegalArgumentException("invalid --exclude-interfaces entry \"" + i + "\": not an interface name");
      }
    }
  }

  /** Parses Istio's list syntax: {@code *} for everything, else comma-separated CIDRs. */
  /** Comma-separated names (blank entries dropped). */
  static List<String> names(String text) {
    if (text == null || text.isBlank()) return List.of();
    return java.util.Arrays.stream(text.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  static List<String> cidrs(String flag, String text) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    for (String part : text.split(",")) {
      String c = part.trim();
      if (c.isEmpty()) {
        continue;
      }
      var m = CIDR.matcher(c);
      boolean ok = m.matches();
      for (int i = 1; ok && i <= 4; i++) {
        ok = Integer.parseInt(m.group(i)) <= 255;
      }
      if (ok && m.group(6) != null) {
        ok = Integer.parseInt(m.group(6)) <= 32;
      }
      if (!ok) {
        throw new IllegalArgumentException(
            "invalid " + flag + " entry \"" + c + "\": expected an IPv4 CIDR like 10.0.0.0/8, or *");
      }
      out.add(m.group(6) == null ? c + "/32" : c);
    }
    return out;
  }
}
