package io.minimesh.dataplane.listener;

import io.minimesh.api.xds.v1.CidrRange;
import io.minimesh.api.xds.v1.FilterChainMatch;
import io.minimesh.api.xds.v1.Listener.TrafficDirection;
import io.minimesh.dataplane.http.HcmConfig;
import io.minimesh.dataplane.http.HttpConnectionInit;
import io.minimesh.dataplane.http.ProxyContext;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.runtime.RuntimeState.FilterChainRuntime;
import io.minimesh.dataplane.runtime.RuntimeState.ListenerRuntime;
import io.minimesh.dataplane.tcp.TcpProxyConfig;
import io.minimesh.dataplane.tcp.TcpProxyHandler;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections accepted by a listener that restores the original destination (Envoy's
 * {@code use_original_dst} and the {@code original_dst} listener filter): records the destination on
 * the channel, hands the connection to the listener of that destination ({@code ip:port}, else
 * {@code 0.0.0.0:port}) when the listener says {@code use_original_dst}, else keeps it, then picks the
 * filter chain by destination ({@code destination_port}, {@code prefix_ranges}) and installs it.
 */
public final class OriginalDstHandoff {
  private static final Logger log = LoggerFactory.getLogger(OriginalDstHandoff.class);

  private OriginalDstHandoff() {}

  /** What a connection is handled by: a listener and one of its chains. */
  public record Target(ListenerRuntime listener, FilterChainRuntime chain) {}

  /** Initialises the pipeline of {@code ch}, accepted by {@code accepting}. */
  public static void accept(Channel ch, ListenerRuntime accepting, ProxyContext px) {
    InetSocketAddress dst = OriginalDestination.read(ch);
    if (dst != null) ch.attr(OriginalDestination.KEY).set(dst);
    InetSocketAddress effective = dst != null ? dst
        : ch.localAddress() instanceof InetSocketAddress l ? l : accepting.address();
    ListenerRuntime listener = dst != null && accepting.useOriginalDst()
        ? handoffListener(px.state(), accepting, dst) : accepting;
    FilterChainRuntime chain = selectChain(listener, effective);
    if (chain == null) {
      log.debug("listener {}: no filter chain matches {}", listener.name(), effective);
      ch.close();
      return;
    }
    listener.cxTotal().inc();
    listener.cxActive().inc();
    ch.closeFuture().addListener(x -> listener.cxActive().dec());
    String name = listener.name();
    // Later requests read the newest config of the same listener and chain (RDS/LDS updates).
    if (chain.hcm() != null) {
      HcmConfig captured = chain.hcm();
      Supplier<HcmConfig> s = () -> {
        FilterChainRuntime cur = current(px, name, effective);
        return cur != null && cur.hcm() != null ? cur.hcm() : captured;
      };
      HttpConnectionInit.init(ch, px, s);
    } else {
      TcpProxyConfig captured = chain.tcp();
      Supplier<TcpProxyConfig> s = () -> {
        FilterChainRuntime cur = current(px, name, effective);
        return cur != null && cur.tcp() != null ? cur.tcp() : captured;
      };
      TcpProxyHandler.init(ch, px, s);
    }
  }

  private static FilterChainRuntime current(ProxyContext px, String listener, InetSocketAddress dst) {
    ListenerRuntime l = px.state().listeners.get(listener);
    return l == null ? null : selectChain(l, dst);
  }

  /**
   * The listener bound (or not, {@code bind_to_port: false}) to exactly {@code dst}, else to the
   * wildcard address and {@code dst}'s port, else {@code accepting} itself. A connection captured on
   * an inbound listener is never handed to an outbound one (it would be sent back to this pod).
   */
  public static ListenerRuntime handoffListener(RuntimeState st, ListenerRuntime accepting, InetSocketAddress dst) {
    ListenerRuntime wildcard = null;
    for (ListenerRuntime l : st.listeners.values()) {
      if (l == accepting || l.address().getPort() != dst.getPort()) continue;
      if (accepting.direction() == TrafficDirection.INBOUND && l.direction() == TrafficDirection.OUTBOUND) continue;
      InetAddress a = l.address().getAddress();
      if (a.equals(dst.getAddress())) return l;
      if (a.isAnyLocalAddress() && wildcard == null) wildcard = l;
    }
    return wildcard != null ? wildcard : accepting;
  }

  /**
   * The chain for a connection to {@code dst}: among chains whose destination_port and prefix_ranges
   * admit it, the most specific (a destination_port beats none, then the longest prefix), else the
   * default chain, else null. Ties go to the first chain.
   */
  public static FilterChainRuntime selectChain(ListenerRuntime l, InetSocketAddress dst) {
    FilterChainRuntime best = null;
    int bestScore = -1;
    for (FilterChainRuntime c : l.chains()) {
      int score = score(c.match(), dst);
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    return best != null ? best : l.defaultChain();
  }

  /** -1 when the chain does not admit {@code dst}; else higher is more specific. */
  private static int score(FilterChainMatch m, InetSocketAddress dst) {
    int score = 0;
    if (m.hasDestinationPort()) {
      if (m.getDestinationPort() != dst.getPort()) return -1;
      score += 1000;
    }
    List<CidrRange> ranges = m.getPrefixRangesList();
    if (!ranges.isEmpty()) {
      int longest = -1;
      for (CidrRange r : ranges) {
        if (contains(r, dst.getAddress())) longest = Math.max(longest, r.getPrefixLen());
      }
      if (longest < 0) return -1;
      score += 1 + longest;
    }
    return score;
  }

  static boolean contains(CidrRange r, InetAddress a) {
    byte[] ip = a.getAddress();
    byte[] net;
    // Only literals: never a DNS lookup on an event loop.
    if (!r.getAddressPrefix().matches("[0-9a-fA-F:.]+")) return false;
    try {
      net = InetAddress.getByName(r.getAddressPrefix()).getAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
    if (net.length != ip.length) return false;
    int bits = Math.min(r.getPrefixLen(), ip.length * 8);
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >> (i % 8);
      if ((ip[i / 8] & mask) != (net[i / 8] & mask)) return false;
    }
    return true;
  }
}
