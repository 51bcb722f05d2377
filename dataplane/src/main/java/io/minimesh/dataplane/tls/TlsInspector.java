package io.minimesh.dataplane.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's tls_inspector listener filter: peeks at the first bytes of a connection, and once it
 * knows whether they are a TLS ClientHello (and its SNI and ALPN) calls {@link Listener#detected},
 * which installs the handlers of the chosen filter chain after this one. This handler then removes
 * itself and hands every byte read so far, unconsumed, to those handlers. A client that stays
 * silent past the timeout is disconnected (Envoy's listener_filters_timeout).
 */
public final class TlsInspector extends ByteToMessageDecoder {
  /** What the inspector found; {@code transport} is "tls" or "raw_buffer". */
  public interface Listener {
    void detected(ChannelHandlerContext ctx, String transport, String sni, List<String> alpn);

    /** The client sent something unparseable as TLS or stayed silent; the connection is closed. */
    default void failed(ChannelHandlerContext ctx, String reason) {}
  }

  private final Listener listener;
  private final long timeoutMs;
  private ScheduledFuture<?> timer;
  private boolean decided;

  public TlsInspector(Listener listener, long timeoutMs) {
    this.listener = listener;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    if (timeoutMs > 0) {
      timer = ctx.executor().schedule(() -> {
        if (!decided) {
          decided = true;
          listener.failed(ctx, "timeout");
          ctx.close();
        }
      }, timeoutMs, TimeUnit.MILLISECONDS);
    }
    if (ctx.channel().isActive()) ctx.read();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    ctx.read();
    super.channelActive(ctx);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (decided) return;
    ClientHelloParser.Result r = ClientHelloParser.parse(in);
    switch (r.status()) {
      case NEED_MORE -> {
        return; // ByteToMessageDecoder reads again (autoRead off) when nothing was produced
      }
      case INVALID -> {
        decided = true;
        cancelTimer();
        listener.failed(ctx, "invalid ClientHello");
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      case NOT_TLS -> decide(ctx, "raw_buffer", null, List.of());
      case TLS -> decide(ctx, "tls", r.sni(), r.alpn());
    }
  }

  private void decide(ChannelHandlerContext ctx, String transport, String sni, List<String> alpn) {
    decided = true;
    cancelTimer();
    listener.detected(ctx, transport, sni, alpn);
    // Removal forwards the cumulated bytes, untouched, to the handlers just installed.
    if (ctx.channel().isActive() && ctx.pipeline().context(this) != null) ctx.pipeline().remove(this);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelTimer();
    super.channelInactive(ctx);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    cancelTimer();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
