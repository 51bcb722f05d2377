package io.minimesh.dataplane.listener;

import io.minimesh.dataplane.http.HcmConfig;
import io.minimesh.dataplane.http.HttpConnectionInit;
import io.minimesh.dataplane.http.ProxyContext;
import io.minimesh.dataplane.runtime.RuntimeState.ListenerRuntime;
import io.minimesh.dataplane.tcp.TcpProxyConfig;
import io.minimesh.dataplane.tcp.TcpProxyHandler;
import io.minimesh.dataplane.tls.Tls;
import io.minimesh.dataplane.tls.TlsInspector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up an accepted connection of a listener: runs the tls_inspector when the listener needs
 * SNI/ALPN/transport to choose, selects the filter chain, terminates TLS when the chain says so,
 * and installs the chain's network filter. Transparent capture hands redirected connections in
 * here with their original destination.
 */
public final class ListenerConnections {
  private static final Logger log = LoggerFactory.getLogger(ListenerConnections.class);
  /** Envoy's listener_filters_timeout default. */
  public static final long INSPECT_TIMEOUT_MS = 15_000;

  private ListenerConnections() {}

  /**
   * Installs the handlers of listener {@code name} on {@code ch} (autoRead off).
   *
   * @param destination the address the client connected to (for redirected connections their
   *     original destination); selects by destination_port and prefix_ranges
   */
  public static void init(Channel ch, ProxyContext px, String name, InetSocketAddress destination) {
    ListenerRuntime l = px.state().listeners.get(name);
    if (l == null) {
      ch.close();
      return;
    }
    InetSocketAddress src = ch.remoteAddress() instanceof InetSocketAddress a ? a : null;
    if (l.inspectTls()) {
      ch.pipeline().addLast("tls_inspector", new TlsInspector(new TlsInspector.Listener() {
        @Override
        public void detected(ChannelHandlerContext ctx, String transport, String sni, List<String> alpn) {
          install(ctx.channel(), px, name, l, l.chains().select(new ConnectionInfo(destination, src, sni, alpn, transport)));
        }

        @Override
        public void failed(ChannelHandlerContext ctx, String reason) {
          l.stats().inspectorFailed().inc();
        }
      }, INSPECT_TIMEOUT_MS));
    } else {
      install(ch, px, name, l, l.chains().select(ConnectionInfo.plain(destination, src)));
    }
  }

  static void install(Channel ch, ProxyContext px, String name, ListenerRuntime l, ListenerChain c) {
    if (c == null) {
      l.stats().noFilterChainMatch().inc();
      ch.close();
      return;
    }
    if (c.tls() == null) {
      installFilter(ch, px, name, c, null);
      return;
    }
    if (!c.tls().ready()) {
      // The chain waits for its SDS secret (Envoy keeps such a listener warming).
      l.stats().noFilterChainMatch().inc();
      log.debug("listener {}: filter chain {} has no secret \"{}\" yet; closing", name, c.key(), c.tls().missingSecret());
      ch.close();
      return;
    }
    SslHandler ssl = c.tls().newHandler(ch.alloc());
    ch.pipeline().addLast("ssl", ssl);
    ch.pipeline().addLast("ssl-wait", new HandshakeWait(px, name, l, c));
  }

  private static void installFilter(Channel ch, ProxyContext px, String name, ListenerChain c, String alpn) {
    if (c.hcm() != null) {
      HcmConfig captured = c.hcm();
      Supplier<HcmConfig> s = () -> {
        ListenerChain cur = current(px, name, c.key());
        return cur != null && cur.hcm() != null ? cur.hcm() : captured;
      };
      HttpConnectionInit.init(ch, px, s, alpn);
    } else {
      TcpProxyConfig captured = c.tcp();
      Supplier<TcpProxyConfig> s = () -> {
        ListenerChain cur = current(px, name, c.key());
        return cur != null && cur.tcp() != null ? cur.tcp() : captured;
      };
      TcpProxyHandler.init(ch, px, s);
    }
  }

  private static ListenerChain current(ProxyContext px, String name, String key) {
    ListenerRuntime cur = px.state().listeners.get(name);
    return cur == null ? null : cur.chain(key);
  }

  /** Waits for the TLS handshake, then installs the chain's filter for the negotiated protocol. */
  static final class HandshakeWait extends ChannelInboundHandlerAdapter {
    private final ProxyContext px;
    private final String name;
    private final ListenerRuntime l;
    private final ListenerChain chain;

    HandshakeWait(ProxyContext px, String name, ListenerRuntime l, ListenerChain chain) {
      this.px = px;
      this.name = name;
      this.l = l;
      this.chain = chain;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (ctx.channel().isActive()) ctx.read();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.read();
      ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent e) {
        if (!e.isSuccess()) {
          l.stats().sslConnectionError().inc();
          log.debug("listener {}: TLS handshake with {} failed: {}", name, ctx.channel().remoteAddress(),
              e.cause() == null ? "?" : e.cause().getMessage());
          ctx.close();
          return;
        }
        l.stats().sslHandshake().inc();
        Channel ch = ctx.channel();
        Tls.markTls(ch);
        String alpn = ch.pipeline().get(SslHandler.class).applicationProtocol();
        ctx.pipeline().remove(this);
        installFilter(ch, px, name, chain, alpn);
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // Handshake failures also arrive as the completion event; close on anything else.
      ctx.close();
    }
  }
}
