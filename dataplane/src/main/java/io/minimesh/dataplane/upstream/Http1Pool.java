package io.minimesh.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/** HTTP/1.1 keep-alive connections to one host, owned by one event loop. */
final class Http1Pool {
  private final UpstreamPools pools;
  private ClusterRuntime cluster; // the latest config for this cluster name
  private final HostImpl host;
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();

  Http1Pool(UpstreamPools pools, ClusterRuntime cluster, HostImpl host) {
    this.pools = pools;
    this.cluster = cluster;
    this.host = host;
  }

  /** Requests waiting for a connection (max_connections reached), oldest first. */
  private final ArrayDeque<UpstreamCallbacks> pending = new ArrayDeque<>();
  /** Connections of this pool that are open or connecting. */
  private int conns;

  /**
   * Gives {@code cb} a connection: an idle one, a new one while the cluster is under
   * max_connections, else a place in the pending queue while it is under max_pending_requests;
   * beyond that {@link UpstreamCallbacks#onOverflow()}. Returns what cancels a pending request
   * (null when it is not pending).
   */
  Runnable newStream(ClusterRuntime current, UpstreamCallbacks cb) {
    this.cluster = current;
    Conn c;
    while ((c = idle.pollFirst()) != null) {
      if (c.channel.isActive()) {
        c.attach(cb);
        return null;
      }
    }
    if (openConnection(cb)) {
      return null;
    }
    if (!cluster.breakers().pendingRequests.tryAcquire(cluster.maxPendingRequests)) {
      cluster.stats.rqPendingOverflow.inc();
      cb.onOverflow();
      return null;
    }
    cluster.stats.rqPendingTotal.inc();
    cluster.stats.rqPendingActive.inc();
    pending.addLast(cb);
    ClusterRuntime owner = cluster;
    return () -> {
      if (pending.remove(cb)) {
        leavePending(owner);
      }
    };
  }

  private void leavePending(ClusterRuntime owner) {
    owner.stats.rqPendingActive.dec();
    owner.breakers().pendingRequests.release(owner.maxPendingRequests);
  }

  /**
   * Connects for {@code cb} when max_connections allows, or when this pool has no connection at
   * all (as Envoy does, so a pool can always make progress). False when over the limit.
   */
  private boolean openConnection(UpstreamCallbacks cb) {
    ClusterRuntime cl = cluster;
    if (!cl.breakers().connections.tryAcquire(cl.maxConnections)) {
      cl.stats.cxOverflow.inc();
      if (conns > 0) {
        return false;
      }
      cl.breakers().connections.forceAcquire(cl.maxConnections);
    }
    conns++;
    Conn conn = new Conn();
    pools.connect(
        cl,
        host,
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            // One write(2) for request headers and body; see HttpConnectionInit.
            ch.pipeline().addLast(
                new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                new HttpClientCodec(4096, 60 * 1024, 64 * 1024), conn);
          }
        },
        false,
        ch -> {
          conn.channel = ch;
          ch.closeFuture().addListener(f -> onConnectionGone());
          conn.attach(cb);
        },
        reason -> {
          onConnectionGone();
          cb.onConnectFailure(reason);
        });
    return true;
  }

  /** A connection closed or failed: the oldest pending request may now open one. */
  private void onConnectionGone() {
    conns--;
    UpstreamCallbacks next = pending.peekFirst();
    if (next == null || (conns > 0 && cluster.breakers().connections.count() >= cluster.maxConnections)) {
      return;
    }
    pending.pollFirst();
    leavePending(cluster);
    if (!openConnection(next)) {
      // Another loop took the connection slot first: keep the request's place in the queue.
      pending.addFirst(next);
      cluster.breakers().pendingRequests.forceAcquire(cluster.maxPendingRequests);
      cluster.stats.rqPendingActive.inc();
    }
  }

  /** A connection finished a response and may be reused: the oldest pending request gets it. */
  private boolean handToPending(Conn c) {
    UpstreamCallbacks next = pending.pollFirst();
    if (next == null) {
      return false;
    }
    leavePending(cluster);
    c.attach(next);
    return true;
  }

  /** One connection; its handler dispatches to the stream using it, if any. */
  final class Conn extends ChannelInboundHandlerAdapter implements UpstreamStream {
    Channel channel;
    private UpstreamCallbacks cb;
    private boolean requestComplete;
    private int served;

    void attach(UpstreamCallbacks callbacks) {
      this.cb = callbacks;
      this.requestComplete = false;
      this.keepAlive = true;
      served++;
      callbacks.onReady(this);
    }

    @Override
    public ChannelFuture write(HttpObject msg) {
      if (msg instanceof LastHttpContent) requestComplete = true;
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

    private boolean tunneled;

    @Override
    public Channel detachForTunnel() {
      tunneled = true;
      cb = null;
      channel.pipeline().remove(HttpClientCodec.class);
      channel.pipeline().remove(this);
      return channel;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      UpstreamCallbacks c = cb;
      if (c == null) {
        // Data on an idle connection: the server is confused or closing; drop the connection.
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      if (msg instanceof HttpObject ho && ho.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        cb = null;
        ctx.close();
        c.onReset("protocol error");
        return;
      }
      if (msg instanceof HttpResponse r
          && r.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL
          && r.status().code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
        // 100 Continue: the proxy answered the client's Expect itself.
        ReferenceCountUtil.release(msg);
        ctx.read();
        return;
      }
      if (msg instanceof HttpResponse r && r.status().code() == 101) {
        c.onResponse((HttpObject) msg); // the router detaches this connection for the tunnel
        return;
      }
      if (msg instanceof HttpResponse r && !HttpUtil.isKeepAlive(r)) {
        keepAlive = false;
      }
      if (msg instanceof LastHttpContent) {
        cb = null;
        boolean reuse =
            keepAlive
                && requestComplete
                && ctx.channel().isActive()
                && (cluster.maxRequestsPerConnection == 0 || served < cluster.maxRequestsPerConnection);
        if (!reuse) {
          ctx.close();
        }
        c.onResponse((HttpObject) msg);
        if (reuse && cb == null && ctx.channel().isActive() && !handToPending(this)) {
          idle.addLast(this);
          ctx.read(); // notice a close while idle
          scheduleIdleCheck(ctx);
        }
        return;
      }
      c.onResponse((HttpObject) msg);
    }

    private boolean keepAlive = true;

    private long idleSinceNanos;
    private boolean idleTimerArmed;

    /**
     * Closes the connection once it stayed in the pool longer than the cluster's idle_timeout. One
     * timer per connection at most: it re-arms itself when the connection was used meanwhile.
     */
    private void scheduleIdleCheck(ChannelHandlerContext ctx) {
      idleSinceNanos = System.nanoTime();
      if (idleTimerArmed || cluster.idleTimeoutMs <= 0) return;
      idleTimerArmed = true;
      ctx.executor().schedule(() -> idleCheck(ctx), cluster.idleTimeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void idleCheck(ChannelHandlerContext ctx) {
      idleTimerArmed = false;
      if (cb != null || !idle.contains(this)) return; // in use: re-armed when it goes idle again
      long idleMs = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSinceNanos);
      if (idleMs >= cluster.idleTimeoutMs) {
        idle.remove(this);
        ctx.close();
        return;
      }
      idleTimerArmed = true;
      ctx.executor().schedule(() -> idleCheck(ctx), cluster.idleTimeoutMs - idleMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      idle.remove(this);
      if (tunneled) return;
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
