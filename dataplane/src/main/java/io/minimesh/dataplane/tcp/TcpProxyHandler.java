package io.minimesh.dataplane.tcp;

import io.minimesh.dataplane.http.ProxyContext;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import io.minimesh.dataplane.upstream.HostImpl;
import io.minimesh.dataplane.upstream.lb.LbContext;
import io.minimesh.dataplane.upstream.lb.LbHost;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Envoy's tcp_proxy: connects to a host of the configured cluster (on the downstream's event loop)
 * and relays bytes both ways. Each side reads only after its previous chunk was written to the
 * other side, so a slow peer slows the fast one instead of filling memory.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
  private final ProxyContext px;
  private final Supplier<TcpProxyConfig> config;
  private Channel upstream;
  private boolean closed;
  // Bytes that arrived before the upstream connected: a listener filter (tls_inspector) read them
  // already, e.g. the ClientHello of a TLS passthrough connection. Sent first once connected.
  private final java.util.ArrayDeque<Object> early = new java.util.ArrayDeque<>();
  // Access-log facts, all touched on the downstream's event loop (the upstream shares it).
  private final long startMillis;
  private final long startNanos;
  private long bytesReceived;
  private long bytesSent;
  private String upstreamHost;
  private String upstreamCluster;
  private String responseFlags;
  private boolean logged;

  public TcpProxyHandler(ProxyContext px, Supplier<TcpProxyConfig> config) {
    this.px = px;
    this.config = config;
    this.startMillis = px.time().currentTimeMillis();
    this.startNanos = px.time().nanoTime();
  }

  /** Installs the proxy on an accepted connection (autoRead off). */
  public static void init(Channel ch, ProxyContext px, Supplier<TcpProxyConfig> config) {
    TcpProxyConfig cfg = config.get();
    cfg.cxTotal().inc();
    cfg.cxActive().inc();
    ch.closeFuture().addListener(f -> cfg.cxActive().dec());
    if (cfg.idleTimeoutMs() > 0) {
      ch.pipeline().addLast(new IdleStateHandler(0, 0, cfg.idleTimeoutMs(), TimeUnit.MILLISECONDS));
    }
    ch.pipeline().addLast(new TcpProxyHandler(px, config));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) connect(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (upstream == null) connect(ctx);
    ctx.fireChannelActive();
  }

  private boolean connecting;

  private void connect(ChannelHandlerContext ctx) {
    if (connecting) return;
    connecting = true;
    TcpProxyConfig cfg = config.get();
    RuntimeState st = px.state();
    ClusterRuntime cluster = st.cluster(cfg.pickCluster(ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE)));
    if (cluster == null) {
      cfg.noRoute().inc();
      responseFlags = "NR";
      ctx.close();
      return;
    }
    upstreamCluster = cluster.name;
    LbHost picked = cluster.originalDst != null
        ? cluster.originalDst.pick(io.minimesh.dataplane.listener.OriginalDestination.of(ctx.channel()), null)
        : cluster.loadBalancer(px.loopIndex(ctx.channel().eventLoop())).pick(LbContext.NONE);
    if (!(picked instanceof HostImpl host)) {
      cluster.stats.noHealthyUpstream.inc();
      responseFlags = "UH";
      ctx.close();
      return;
    }
    upstreamHost = host.addressString();
    Channel down = ctx.channel();
    px.pools(down.eventLoop())
        .connectRaw(
            cluster,
            host,
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ByteRelay(down, n -> bytesSent += n));
              }
            },
            up -> {
              if (closed || !down.isActive()) {
                up.close();
                return;
              }
              upstream = up;
              up.read();
              if (early.isEmpty()) {
                down.read();
              } else {
                Object m;
                while ((m = early.poll()) != null) up.write(m);
                up.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                  if (f.isSuccess()) down.read();
                  else down.close();
                });
              }
            },
            reason -> {
              cfg.connectFail().inc();
              responseFlags = "UF";
              ctx.close();
            });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof io.netty.buffer.ByteBuf b) bytesReceived += b.readableBytes();
    Channel up = upstream;
    if (up == null && !closed) {
      early.add(msg);
      return;
    }
    if (up == null || !up.isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    up.writeAndFlush(msg)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) ctx.channel().read();
                  else ctx.close();
                });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      config.get().idleTimeout().inc();
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    releaseEarly();
    accessLog(ctx.channel());
    Channel up = upstream;
    if (up != null && up.isActive()) {
      up.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseEarly();
  }

  /** One line per connection when it ends, with tcp_proxy's access logs (HTTP fields read "-"). */
  private void accessLog(Channel down) {
    if (logged) return;
    logged = true;
    java.util.List<io.minimesh.dataplane.http.HcmConfig.AccessLogTarget> logs = config.get().accessLogs();
    if (logs.isEmpty()) return;
    long duration = TimeUnit.NANOSECONDS.toMillis(px.time().nanoTime() - startNanos);
    io.minimesh.dataplane.accesslog.AccessLogEntry e = new io.minimesh.dataplane.accesslog.AccessLogEntry(
        startMillis, null, null, null, null, 0, responseFlags, bytesReceived, bytesSent, duration, -1,
        null, null, null, upstreamHost, upstreamCluster, address(down.remoteAddress()), address(down.localAddress()),
        null, null);
    for (var t : logs) px.accessLog().log(t.format(), t.path(), e);
  }

  private static String address(java.net.SocketAddress a) {
    if (a instanceof java.net.InetSocketAddress i) {
      String ip = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
      return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + i.getPort();
    }
    return a == null ? null : a.toString();
  }

  private void releaseEarly() {
    Object m;
    while ((m = early.poll()) != null) ReferenceCountUtil.release(m);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
