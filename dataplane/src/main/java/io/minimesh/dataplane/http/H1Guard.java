package io.minimesh.dataplane.http;

import io.minimesh.dataplane.stats.HttpStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sits in front of the HTTP/1.1 decoder and enforces the request-headers timeout (from the first
 * byte of a request until its headers are decoded: 408 and close) and the connection idle timeout
 * (no request in flight: close). A client trickling bytes cannot hold the connection.
 */
final class H1Guard extends ChannelDuplexHandler {
  private static final byte[] TIMEOUT_RESPONSE =
      ("HTTP/1.1 408 Request Timeout\r\ncontent-length: 22\r\ncontent-type: text/plain\r\n"
              + "connection: close\r\n\r\nrequest header timeout")
          .getBytes(StandardCharsets.US_ASCII);

  private enum State { IDLE, HEADERS, ACTIVE }

  private final long headersTimeoutMs;
  private final long idleTimeoutMs;
  private final HttpStats stats;
  private ChannelHandlerContext ctx;
  private State state = State.IDLE;
  private ScheduledFuture<?> timer;
  /**
   * The idle timer is armed once and re-armed lazily when it fires (like the stream idle timer):
   * cancelling and re-scheduling it around every request cost two priority-queue updates per request.
   */
  private ScheduledFuture<?> idleTimer;
  private long idleSinceNanos;
  private boolean started;

  H1Guard(long headersTimeoutMs, long idleTimeoutMs, HttpStats stats) {
    this.headersTimeoutMs = headersTimeoutMs;
    this.idleTimeoutMs = idleTimeoutMs;
    this.stats = stats;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) start();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start();
    ctx.fireChannelActive();
  }

  private void start() {
    if (started) return;
    started = true;
    idle();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.IDLE && msg instanceof ByteBuf b && b.isReadable()) {
      state = State.HEADERS;
      cancel();
      if (headersTimeoutMs > 0) {
        timer = ctx.executor().schedule(this::onHeadersTimeout, headersTimeoutMs, TimeUnit.MILLISECONDS);
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** The decoder produced a request's headers. */
  void headersReceived() {
    state = State.ACTIVE;
    cancel();
  }

  /** The response is complete and the connection stays open. */
  void requestDone() {
    idle();
  }

  private void idle() {
    state = State.IDLE;
    cancel();
    if (idleTimeoutMs > 0 && ctx != null) {
      idleSinceNanos = ctx.executor().ticker().nanoTime();
      if (idleTimer == null) {
        idleTimer = ctx.executor().schedule(this::onIdleTimeout, idleTimeoutMs, TimeUnit.MILLISECONDS);
      }
    }
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void onHeadersTimeout() {
    timer = null;
    if (state != State.HEADERS || !ctx.channel().isActive()) return;
    stats.headersTimeout.inc();
    ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_RESPONSE)).addListener(ChannelFutureListener.CLOSE);
  }

  private void onIdleTimeout() {
    idleTimer = null;
    if (!ctx.channel().isActive()) return;
    long remainingMs = state != State.IDLE
        ? idleTimeoutMs // busy: the idle period can start at the earliest when this request ends
        : idleTimeoutMs - TimeUnit.NANOSECONDS.toMillis(ctx.executor().ticker().nanoTime() - idleSinceNanos);
    if (remainingMs > 0) {
      idleTimer = ctx.executor().schedule(this::onIdleTimeout, remainingMs, TimeUnit.MILLISECONDS);
      return;
    }
    stats.idleTimeout.inc();
    ctx.close();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    // A tunnel (Upgrade/CONNECT) takes the connection over: no HTTP/1.1 timeouts any more.
    cancel();
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
    ctx.fireChannelInactive();
  }
}
