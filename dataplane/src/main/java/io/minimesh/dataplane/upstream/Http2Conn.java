package io.minimesh.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/** One multiplexed HTTP/2 (h2c prior knowledge) connection to a host, owned by one event loop. */
final class Http2Conn {
  private final UpstreamPools pools;
  private final ClusterRuntime cluster;
  private final HostImpl host;
  private Channel parent;
  private boolean connecting;
  private boolean dead;
  private final ArrayDeque<UpstreamCallbacks> waiters = new ArrayDeque<>();

  Http2Conn(UpstreamPools pools, ClusterRuntime cluster, HostImpl host) {
    this.pools = pools;
    this.cluster = cluster;
    this.host = host;
  }

  /** Streams opened on this connection, and those still open (max_requests_per_connection, idle_timeout). */
  private int opened;
  private int active;
  private boolean draining;
  private long idleSinceNanos;
  private boolean idleTimerArmed;

  boolean isDead() {
    return dead || draining || (parent != null && !parent.isActive());
  }

  void newStream(UpstreamCallbacks cb) {
    if (parent != null && parent.isActive()) {
      open(cb);
      return;
    }
    waiters.add(cb);
    if (connecting) return;
    connecting = true;
    Http2Settings settings = Http2Settings.defaultSettings();
    var opts = cluster.proto.getHttp2ProtocolOptions();
    if (opts.getInitialStreamWindowSize() > 0) settings.initialWindowSize(opts.getInitialStreamWindowSize());
    // One multiplexed connection per host and loop: counted against max_connections, never refused.
    if (!cluster.breakers().connections.tryAcquire(cluster.maxConnections)) {
      cluster.stats.cxOverflow.inc();
      cluster.breakers().connections.forceAcquire(cluster.maxConnections);
    }
    pools.connect(
        cluster,
        host,
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline()
                .addLast(
                    Http2FrameCodecBuilder.forClient().initialSettings(settings).build(),
                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
          }
        },
        true,
        ch -> {
          connecting = false;
          parent = ch;
          ch.closeFuture().addListener(f -> dead = true);
          UpstreamCallbacks w;
          while ((w = waiters.poll()) != null) open(w);
        },
        reason -> {
          connecting = false;
          dead = true;
          UpstreamCallbacks w;
          while ((w = waiters.poll()) != null) w.onConnectFailure(reason);
        });
  }

  private void open(UpstreamCallbacks cb) {
    opened++;
    active++;
    if (cluster.maxRequestsPerConnection > 0 && opened >= cluster.maxRequestsPerConnection) {
      // The next request gets a new connection; this one closes once its streams are done.
      draining = true;
    }
    StreamHandler h = new StreamHandler(cb);
    new Http2StreamChannelBootstrap(parent)
        .handler(
            new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel ch) {
                ch.config().setAutoRead(false);
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), h);
              }
            })
        .open()
        .addListener(
            f -> {
              if (f.isSuccess()) {
                h.channel = (Http2StreamChannel) f.getNow();
                h.channel.closeFuture().addListener(x -> streamClosed());
                cb.onReady(h);
              } else {
                streamClosed();
                cb.onReset("remote refused stream reset");
              }
            });
  }

  private void streamClosed() {
    active--;
    if (active > 0 || parent == null) {
      return;
    }
    if (draining) {
      parent.close();
      return;
    }
    idleSinceNanos = System.nanoTime();
    if (!idleTimerArmed && cluster.idleTimeoutMs > 0) {
      idleTimerArmed = true;
      parent.eventLoop().schedule(this::idleCheck, cluster.idleTimeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  /** Closes the connection once it had no stream for the cluster's idle_timeout. */
  private void idleCheck() {
    idleTimerArmed = false;
    if (active > 0 || !parent.isActive()) {
      return;
    }
    long idleMs = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSinceNanos);
    if (idleMs >= cluster.idleTimeoutMs) {
      dead = true;
      parent.close();
      return;
    }
    idleTimerArmed = true;
    parent.eventLoop().schedule(this::idleCheck, cluster.idleTimeoutMs - idleMs,
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** One HTTP/2 stream as an upstream stream. */
  final class StreamHandler extends ChannelInboundHandlerAdapter implements UpstreamStream {
    Http2StreamChannel channel;
    private UpstreamCallbacks cb;

    StreamHandler(UpstreamCallbacks cb) {
      this.cb = cb;
    }

    @Override
    public ChannelFuture write(HttpObject msg) {
      return channel.writeAndFlush(msg);
    }

    @Override
    public void read() {
      channel.read();
    }

    @Override
    public void cancel() {
      cb = null;
      channel.close();
    }

    @Override
    public HostImpl host() {
      return host;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      UpstreamCallbacks c = cb;
      if (c == null) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof LastHttpContent) cb = null;
      c.onResponse((HttpObject) msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Http2ResetFrame rst) {
        UpstreamCallbacks c = cb;
        cb = null;
        if (c != null) {
          c.onReset(rst.errorCode() == Http2Error.REFUSED_STREAM.code() ? "remote refused stream reset" : "remote reset");
        }
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      UpstreamCallbacks c = cb;
      cb = null;
      if (c != null) c.onReset("connection termination");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
