package io.minimesh.dataplane.http.mirror;

import io.minimesh.dataplane.upstream.ClusterRuntime;
import io.minimesh.dataplane.upstream.HostImpl;
import io.minimesh.dataplane.upstream.UpstreamCallbacks;
import io.minimesh.dataplane.upstream.UpstreamPools;
import io.minimesh.dataplane.upstream.UpstreamStream;
import io.minimesh.dataplane.upstream.lb.LbContext;
import io.minimesh.dataplane.upstream.lb.LbHost;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A fire-and-forget copy of one request to a mirror cluster (Envoy's request_mirror_policies).
 * The primary request never waits for it: the body is fed to it as the primary reads it, and when
 * the copy cannot keep up (more than {@code bufferLimit} bytes queued or unwritten) it is dropped
 * rather than slowing the primary. Its response is read and released. Lives on the primary's event
 * loop.
 */
public final class ShadowRequest implements UpstreamCallbacks {
  private final ClusterRuntime cluster;
  private final HttpRequest head;
  private final long bufferLimit;
  private final Runnable onDrop;
  private final ArrayDeque<HttpContent> queued = new ArrayDeque<>();
  private UpstreamStream stream;
  private HostImpl host;
  private long pendingBytes;
  private boolean requestEnded;
  private long bodyBytes;
  private boolean done;
  private boolean counted;
  private boolean requestSlot; // holds a max_requests slot until finish()
  private ScheduledFuture<?> timer;

  private ShadowRequest(ClusterRuntime cluster, HttpRequest head, long bufferLimit, Runnable onDrop) {
    this.cluster = cluster;
    this.head = head;
    this.bufferLimit = bufferLimit;
    this.onDrop = onDrop;
  }

  /** Envoy's shadow host: {@code -shadow} appended to the host part, before any port. */
  public static String shadowAuthority(String authority) {
    if (authority == null || authority.isEmpty()) return "-shadow";
    int colon = authority.lastIndexOf(':');
    boolean hasPort = colon > 0 && authority.indexOf(']') < colon && authority.substring(colon + 1).chars().allMatch(Character::isDigit);
    return hasPort
        ? authority.substring(0, colon) + "-shadow" + authority.substring(colon)
        : authority + "-shadow";
  }

  /**
   * Starts a copy of {@code upstreamHeaders} (the request as the primary sends it upstream) to
   * {@code cluster}, or returns null when the cluster has no host or no request capacity.
   *
   * @param timeoutMs the route's timeout (0: none): a copy never outlives it
   * @param onDrop called when the copy is abandoned because of buffer limits
   */
  public static ShadowRequest start(
      UpstreamPools pools,
      EventLoop loop,
      int loopIndex,
      ClusterRuntime cluster,
      HttpRequest upstreamRequest,
      boolean downstreamHttp2,
      long timeoutMs,
      long bufferLimit,
      Runnable onDrop) {
    LbHost picked = cluster.loadBalancer(loopIndex).pick(LbContext.NONE);
    if (!(picked instanceof HostImpl h)) {
      cluster.stats.noHealthyUpstream.inc();
      return null;
    }
    // A copy takes a max_requests slot like any request (the cluster's shared circuit breaker).
    if (!cluster.tryAcquireRequest()) return null;
    ShadowRequest s = create(cluster, h, upstreamRequest, bufferLimit, onDrop);
    s.requestSlot = true;
    if (timeoutMs > 0) s.timer = loop.schedule(s::onTimeout, timeoutMs, TimeUnit.MILLISECONDS);
    pools.newStream(cluster, h, downstreamHttp2, s);
    return s;
  }

  /** A copy bound for {@code host}, counted in the cluster's stats, not yet asked for a stream. */
  static ShadowRequest create(
      ClusterRuntime cluster, HostImpl h, HttpRequest upstreamRequest, long bufferLimit, Runnable onDrop) {
    HttpHeaders hh = upstreamRequest.headers().copy();
    hh.set(HttpHeaderNames.HOST, shadowAuthority(hh.get(HttpHeaderNames.HOST)));
    HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, upstreamRequest.method(), upstreamRequest.uri(), hh);
    ShadowRequest s = new ShadowRequest(cluster, head, bufferLimit, onDrop);
    s.host = h;
    s.counted = true;
    cluster.stats.rqTotal.inc();
    cluster.stats.rqActive.inc();
    h.stats().rqActive.incrementAndGet();
    h.stats().rqTotal.increment();
    return s;
  }

  /** The next piece of the request body; ownership passes. */
  public void onBody(HttpContent c) {
    if (done) {
      c.release();
      return;
    }
    if (c instanceof LastHttpContent lc && c.getClass() != DefaultLastHttpContent.class) {
      c = new DefaultLastHttpContent(lc.content(), lc.trailingHeaders());
    }
    int n = c.content().readableBytes();
    bodyBytes += n;
    if (c instanceof LastHttpContent) requestEnded = true;
    if (pendingBytes + n > bufferLimit) {
      c.release();
      drop();
      return;
    }
    pendingBytes += n;
    if (stream == null) {
      queued.add(c);
    } else {
      send(c, n);
    }
  }

  private void send(HttpContent c, int n) {
    ChannelFuture f = stream.write(c);
    f.addListener((ChannelFutureListener) x -> pendingBytes -= n);
  }

  /** The primary went away before its request was complete: the copy cannot be completed either. */
  public void abandon() {
    if (!requestEnded) close();
  }

  public boolean isDone() {
    return done;
  }

  @Override
  public void onReady(UpstreamStream s) {
    if (done) {
      s.cancel();
      return;
    }
    stream = s;
    boolean knownEmpty = requestEnded && bodyBytes == 0 && noTrailers();
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri(), head.headers().copy());
    if (!knownEmpty && !r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) HttpUtil.setTransferEncodingChunked(r, true);
    s.write(r);
    HttpContent c;
    while ((c = queued.poll()) != null) {
      send(c, c.content().readableBytes());
    }
    s.read();
  }

  private boolean noTrailers() {
    for (HttpContent c : queued) {
      if (c instanceof LastHttpContent l && !l.trailingHeaders().isEmpty()) return false;
    }
    return true;
  }

  @Override
  public void onConnectFailure(String reason) {
    finish();
  }

  @Override
  public void onResponse(HttpObject msg) {
    if (msg instanceof HttpResponse r) cluster.stats.response(r.status().code());
    boolean last = msg instanceof LastHttpContent || msg instanceof FullHttpResponse;
    ReferenceCountUtil.release(msg);
    if (done) return;
    if (last) {
      finish();
    } else {
      stream.read();
    }
  }

  @Override
  public void onReset(String reason) {
    finish();
  }

  private void onTimeout() {
    timer = null;
    if (done) return;
    cluster.stats.rqTimeout.inc();
    close();
  }

  private void drop() {
    close();
    onDrop.run();
  }

  private void close() {
    if (done) return;
    UpstreamStream s = stream;
    finish();
    if (s != null) s.cancel();
  }

  private void finish() {
    if (done) return;
    done = true;
    if (timer != null) timer.cancel(false);
    HttpContent c;
    while ((c = queued.poll()) != null) c.release();
    if (requestSlot) {
      requestSlot = false;
      cluster.releaseRequest();
    }
    if (counted) {
      counted = false;
      cluster.stats.rqActive.dec();
      host.stats().rqActive.decrementAndGet();
    }
  }
}
