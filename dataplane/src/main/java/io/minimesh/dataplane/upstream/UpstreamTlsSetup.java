package io.minimesh.dataplane.upstream;

import io.minimesh.dataplane.tls.UpstreamTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslHandler;
import java.util.function.Consumer;

/** TLS origination for every upstream connection (HTTP/1 pool, HTTP/2, tcp_proxy). */
final class UpstreamTlsSetup {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UpstreamTlsSetup.class);
  private UpstreamTlsSetup() {}

  static ChannelInitializer<Channel> wrap(UpstreamTls tls, HostImpl host, ChannelInitializer<Channel> inner) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        if (tls.ready()) {
          ch.pipeline().addLast("ssl", tls.newHandler(ch.alloc(), host.address()));
          ch.pipeline().addLast("ssl-read", new HandshakeReader());
        }
        ch.pipeline().addLast(inner);
      }
    };
  }

  /** Hands the channel on once the TLS handshake succeeded; a failed handshake is a connect failure. */
  static Consumer<Channel> afterHandshake(ClusterRuntime cluster, Consumer<Channel> onConnected, Consumer<String> onFailure) {
    return ch -> {
      SslHandler ssl = ch.pipeline().get(SslHandler.class);
      if (ssl == null) { // secret not delivered yet
        cluster.stats.upstreamSslConnectionError().inc();
        ch.close();
        onFailure.accept("TLS secret not ready");
        return;
      }
      ssl.handshakeFuture().addListener(f -> {
        if (f.isSuccess()) {
          onConnected.accept(ch);
        } else {
          cluster.stats.upstreamSslConnectionError().inc();
          log.debug("cluster {}: TLS handshake with {} failed", cluster.name, ch.remoteAddress(), f.cause());
          ch.close();
          onFailure.accept("TLS error: " + (f.cause() == null ? "handshake failed" : f.cause().getMessage()));
        }
      });
    };
  }

  /** With autoRead off, reads until the handshake is done (SslHandler keeps reading after the first). */
  private static final class HandshakeReader extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (!ctx.channel().config().isAutoRead()) ctx.read();
      ctx.pipeline().remove(this);
      ctx.fireChannelActive();
    }
  }
}
