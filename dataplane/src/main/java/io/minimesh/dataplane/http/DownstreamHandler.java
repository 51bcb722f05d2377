package io.minimesh.dataplane.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The connection manager for one downstream channel: an HTTP/1.1 connection (requests one after
 * another, pipelined ones queued) or one HTTP/2 stream channel. AutoRead is off: it reads only
 * when the current request can take more body, or when ready for the next request.
 */
final class DownstreamHandler extends ChannelDuplexHandler {
  private final ProxyContext px;
  private final Supplier<HcmConfig> hcm;
  private final boolean h2;
  private final ResponseEncoder encoder;
  private final H1Guard guard;
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private ActiveStream current;
  private boolean activated;
  private boolean closing;
  private int loopIndex;
  private StreamTimers timers;

  DownstreamHandler(ProxyContext px, Supplier<HcmConfig> hcm, boolean h2, ResponseEncoder encoder, H1Guard guard) {
    this.px = px;
    this.hcm = hcm;
    this.h2 = h2;
    this.encoder = encoder;
    this.guard = guard;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) activate();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    activate();
    ctx.read(); // a read issued before registration completed may have been dropped
    ctx.fireChannelActive();
  }

  private void activate() {
    if (activated) return;
    activated = true;
    loopIndex = px.loopIndex(ctx.channel().eventLoop());
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (current != null && current.downstreamEnded() && msg instanceof HttpRequest) {
      pending.add(msg); // pipelined: handled once the current response is done
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest r) {
      if (r.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        protocolError(r.decoderResult().cause());
        return;
      }
      if (guard != null) guard.headersReceived();
      if (encoder != null) encoder.head = r.method().equals(HttpMethod.HEAD);
      HttpRequest headersOnly = r;
      HttpContent content = null;
      if (r instanceof FullHttpRequest full) {
        headersOnly = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
        content = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
      }
      ActiveStream s = new ActiveStream(this, px, hcm.get(), headersOnly, h2);
      current = s;
      s.onHeaders();
      if (content != null) {
        if (current == s) s.onBody(content);
        else content.release();
      }
      return;
    }
    if (msg instanceof HttpContent c) {
      if (c.decoderResult().isFailure()) {
        c.release();
        protocolError(c.decoderResult().cause());
        return;
      }
      if (current == null) {
        c.release(); // tail of a request already answered locally
        return;
      }
      current.onBody(c);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  private void protocolError(Throwable cause) {
    HcmConfig cfg = hcm.get();
    cfg.stats().cxProtocolError.inc();
    cfg.stats().rqTotal.inc();
    boolean tooLarge = cause instanceof TooLongFrameException;
    int code = tooLarge ? 431 : 400;
    cfg.stats().response(code);
    if (current != null) {
      current.localReply(code, tooLarge ? "Request Header Fields Too Large" : "Bad Request", ResponseFlags.DOWNSTREAM_PROTOCOL_ERROR, "codec_error");
      closeAfterFlush();
      return;
    }
    String text = tooLarge ? "Request Header Fields Too Large" : "Bad Request";
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(code),
            Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    r.headers().set(HttpHeaderNames.CONNECTION, "close");
    r.headers().set(HttpHeaderNames.SERVER, cfg.serverName());
    if (encoder != null) encoder.head = false;
    closing = true;
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }

  private void closeAfterFlush() {
    closing = true;
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  // ---- called by ActiveStream ----

  ChannelFuture write(Object msg) {
    if (!ctx.channel().isActive()) {
      ReferenceCountUtil.release(msg);
      return ctx.newFailedFuture(new java.nio.channels.ClosedChannelException());
    }
    return ctx.writeAndFlush(msg);
  }

  void readMore() {
    if (!closing) ctx.read();
  }

  /** The timers of this connection (an HTTP/2 stream shares its connection's). */
  StreamTimers timers() {
    if (timers == null) {
      io.netty.channel.Channel ch = ctx.channel();
      timers = StreamTimers.of(h2 && ch.parent() != null ? ch.parent() : ch);
    }
    return timers;
  }

  ScheduledFuture<?> schedule(Runnable r, long delayMs) {
    return ctx.executor().schedule(r, delayMs, TimeUnit.MILLISECONDS);
  }

  EventLoop loop() {
    return ctx.channel().eventLoop();
  }

  int loopIndex() {
    return loopIndex;
  }

  /** The connection's original destination (transparent capture), or null. */
  InetSocketAddress originalDestination() {
    return io.minimesh.dataplane.listener.OriginalDestination.of(ctx.channel());
  }

  SocketAddress localAddress() {
    // Envoy restores the downstream local address to the original destination.
    InetSocketAddress original = originalDestination();
    if (original != null) return original;
    SocketAddress a = ctx.channel().localAddress();
    if (a == null && ctx.channel().parent() != null) a = ctx.channel().parent().localAddress();
    return a;
  }

  /** True when the connection terminated TLS here (x-forwarded-proto https). */
  boolean isTls() {
    return io.minimesh.dataplane.tls.Tls.isTls(ctx.channel());
  }

  SocketAddress remoteAddress() {
    SocketAddress a = ctx.channel().remoteAddress();
    if (a == null && ctx.channel().parent() != null) a = ctx.channel().parent().remoteAddress();
    return a;
  }

  String remoteIp() {
    return remoteAddress() instanceof InetSocketAddress i && i.getAddress() != null
        ? i.getAddress().getHostAddress()
        : null;
  }

  String remoteAddressString() {
    return remoteAddress() instanceof InetSocketAddress i && i.getAddress() != null
        ? i.getAddress().getHostAddress() + ":" + i.getPort()
        : null;
  }

  String localAddressString() {
    SocketAddress a = localAddress();
    return a instanceof InetSocketAddress i && i.getAddress() != null
        ? i.getAddress().getHostAddress() + ":" + i.getPort()
        : null;
  }

  /** Abort the current response: HTTP/1.1 closes the connection, HTTP/2 resets the stream. */
  void resetStream() {
    current = null;
    closing = true;
    ctx.close();
  }

  void streamComplete(ActiveStream s, boolean close) {
    if (current != s) return;
    current = null;
    if (h2) {
      // The stream channel closes itself once both sides ended; a response that beat the request
      // body resets the stream instead of leaving the client blocked on flow control.
      if (close) closeAfterFlush();
      return;
    }
    if (close || px.draining()) {
      closeAfterFlush();
      return;
    }
    if (guard != null) guard.requestDone();
    Object next;
    while (current == null && !closing && (next = pending.poll()) != null) dispatch(next);
    if (current == null && !closing) ctx.read();
  }

  /** Replaces the HTTP codec with a byte relay to {@code upstream} (after 101 Switching Protocols). */
  void switchToTunnel(io.netty.channel.Channel upstream) {
    current = null;
    io.netty.channel.Channel down = ctx.channel();
    var p = ctx.pipeline();
    if (p.get("guard") != null) p.remove("guard");
    if (p.get("decoder") != null) p.remove("decoder");
    if (p.get("encoder") != null) p.remove("encoder");
    Object next;
    while ((next = pending.poll()) != null) ReferenceCountUtil.release(next);
    p.replace(this, "tunnel", new io.minimesh.dataplane.tcp.ByteRelay(upstream));
    upstream.pipeline().addLast(new io.minimesh.dataplane.tcp.ByteRelay(down));
    upstream.read();
    down.read();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ActiveStream s = current;
    current = null;
    if (s != null) s.onDownstreamReset();
    Object o;
    while ((o = pending.poll()) != null) ReferenceCountUtil.release(o);
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.handler.codec.http2.Http2ResetFrame) {
      ActiveStream s = current;
      current = null;
      if (s != null) s.onDownstreamReset();
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  static boolean isLast(Object o) {
    return o instanceof LastHttpContent;
  }
}
