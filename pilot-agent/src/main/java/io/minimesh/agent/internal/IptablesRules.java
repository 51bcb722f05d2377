package io.minimesh.agent.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The nat-table rules of transparent capture, equivalent to Istio's istio-iptables (REDIRECT
 * mode, IPv4). Each rule is the argument list of one {@code iptables} call.
 */
final class IptablesRules {
  static final String INBOUND = "MINIMESH_INBOUND";
  static final String REDIRECT = "MINIMESH_REDIRECT";
  static final String IN_REDIRECT = "MINIMESH_IN_REDIRECT";
  static final String OUTPUT = "MINIMESH_OUTPUT";
  static final List<String> CHAINS = List.of(INBOUND, REDIRECT, IN_REDIRECT, OUTPUT);

  /** Source address the proxy uses to pass inbound traffic to the application (Istio's). */
  static final String INBOUND_PASSTHROUGH_SOURCE = "127.0.0.6/32";

  /** The jumps from the built-in chains; cleanup deletes exactly these. */
  static final List<List<String>> JUMPS =
      List.of(
          List.of("-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-j", INBOUND),
          List.of("-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-j", OUTPUT));

  static List<List<String>> install(IptablesConfig c) {
    List<List<String>> r = new ArrayList<>();
    for (String chain : CHAINS) {
      r.add(List.of("-t", "nat", "-N", chain));
    }
    r.add(nat(REDIRECT, "-p", "tcp", "-j", "REDIRECT", "--to-ports", c.outboundPort()));
    r.add(nat(IN_REDIRECT, "-p", "tcp", "-j", "REDIRECT", "--to-ports", c.inboundPort()));

    // Inbound: TCP arriving at the pod goes to the proxy's inbound port, except excluded ports.
    if (c.captureAllInbound() || !c.includeInboundPorts().isEmpty()) {
      r.add(JUMPS.get(0));
      for (String iface : c.excludeInterfaces()) {
        r.add(nat(INBOUND, "-i", iface, "-j", "RETURN"));
      }
      if (c.captureAllInbound()) {
        for (int port : c.excludeInboundPorts()) {
          r.add(nat(INBOUND, "-p", "tcp", "--dport", port, "-j", "RETURN"));
        }
        r.add(nat(INBOUND, "-p", "tcp", "-j", IN_REDIRECT));
      } else {
        for (int port : c.includeInboundPorts()) {
          if (!c.excludeInboundPorts().contains(port)) {
            r.add(nat(INBOUND, "-p", "tcp", "--dport", port, "-j", IN_REDIRECT));
          }
        }
      }
    }

    // Outbound: TCP the pod's processes open goes to the proxy's outbound port.
    r.add(JUMPS.get(1));
    for (int port : c.excludeOutboundPorts()) {
      r.add(nat(OUTPUT, "-p", "tcp", "--dport", port, "-j", "RETURN"));
    }
    // The proxy forwards inbound traffic to the app from 127.0.0.6: never capture that again.
    r.add(nat(OUTPUT, "-o", "lo", "-s", INBOUND_PASSTHROUGH_SOURCE, "-j", "RETURN"));
    for (String[] owner :
        new String[][] {{"--uid-owner", Integer.toString(c.proxyUid())},
          {"--gid-owner", Integer.toString(c.proxyGid())}}) {
      // The proxy calling its own pod's IP (app → service → same pod): treat as inbound.
      r.add(nat(OUTPUT, "-o", "lo", "!", "-d", "127.0.0.1/32", "-m", "owner", owner[0], owner[1],
          "-j", IN_REDIRECT));
      // The app talking to itself over loopback is not mesh traffic.
      r.add(nat(OUTPUT, "-o", "lo", "-m", "owner", "!", owner[0], owner[1], "-j", "RETURN"));
      // The proxy's own outbound connections leave untouched (no loop).
      r.add(nat(OUTPUT, "-m", "owner", owner[0], owner[1], "-j", "RETURN"));
    }
    // Envoy-aware apps and container-to-container traffic use localhost explicitly.
    r.add(nat(OUTPUT, "-d", "127.0.0.1/32", "-j", "RETURN"));
    for (String cidr : c.excludeOutboundCidrs()) {
      r.add(nat(OUTPUT, "-d", cidr, "-j", "RETURN"));
    }
    for (int port : c.includeOutboundPorts()) {
      r.add(nat(OUTPUT, "-p", "tcp", "--dport", port, "-j", REDIRECT));
    }
    if (c.captureAllOutbound()) {
      r.add(nat(OUTPUT, "-j", REDIRECT));
    } else {
      for (String cidr : c.includeOutboundCidrs()) {
        r.add(nat(OUTPUT, "-d", cidr, "-j", REDIRECT));
      }
    }
    return List.copyOf(r);
  }

  /** Removes what {@link #install} added; each step may fail harmlessly when already absent. */
  static List<List<String>> cleanup() {
    List<List<String>> r = new ArrayList<>();
    for (List<String> jump : JUMPS) {
      List<String> del = new ArrayList<>(jump);
      del.set(2, "-D");
      r.add(List.copyOf(del));
    }
    for (String chain : CHAINS) {
      r.add(List.of("-t", "nat", "-F", chain));
    }
    for (String chain : CHAINS) {
      r.add(List.of("-t", "nat", "-X", chain));
    }
    return List.copyOf(r);
  }

  /** One rule as a shell command line, quoting what a shell would otherwise expand. */
  static String commandLine(String binary, List<String> args) {
    StringBuilder b = new StringBuilder(binary);
    for (String a : args) {
      b.append(' ');
      b.append(a.matches("[A-Za-z0-9_./:=,!-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return b.toString();
  }

  private static List<String> nat(String chain, Object... args) {
    List<String> r = new ArrayList<>(List.of("-t", "nat", "-A", chain));
    for (Object a : args) {
      r.add(a.toString());
    }
    return List.copyOf(r);
  }

  private IptablesRules() {}
}
