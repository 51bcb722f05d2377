package io.minimesh.dataplane.listener;

import io.minimesh.api.xds.v1.Listener.TrafficDirection;
import io.minimesh.dataplane.http.ProxyContext;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.runtime.RuntimeState.ListenerRuntime;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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

  /** Initialises the pipeline of {@code ch}, accepted by {@code accepting}. */
  public static void accept(Channel ch, ListenerRuntime accepting, ProxyContext px) {
    InetSocketAddress dst = OriginalDestination.read(ch);
    if (dst != null) ch.attr(OriginalDestination.KEY).set(dst);
    InetSocketAddress effective = dst != null ? dst
        : ch.localAddress() instanceof InetSocketAddress l ? l : accepting.address();
    ListenerRuntime listener = dst != null && accepting.useOriginalDst()
        ? handoffListener(px.state(), accepting, dst) : accepting;
    log.trace("connection to {} handled by listener {}", effective, listener.name());
    listener.cxTotal().inc();
    listener.cxActive().inc();
    ch.closeFuture().addListener(x -> listener.cxActive().dec());
    // The listener's own selection (destination_port, prefix_ranges, SNI, …) picks the chain.
    ListenerConnections.init(ch, px, listener.name(), effective);
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

  /** The chain a plaintext connection to {@code dst} gets on {@code l} (null: none matches). */
  static ListenerChain selectChain(ListenerRuntime l, InetSocketAddress dst) {
    return l.chains().select(ConnectionInfo.plain(dst, null));
  }
}
