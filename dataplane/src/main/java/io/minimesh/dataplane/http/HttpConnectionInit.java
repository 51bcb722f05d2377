package io.minimesh.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.util.List;
import java.util.function.Supplier;

/**
 * Builds the pipeline of an accepted connection on an HTTP listener: HTTP/1.1, or HTTP/2 when the
 * client starts with the h2c prior-knowledge preface (or the connection manager says HTTP2).
 */
public final class HttpConnectionInit {
  private HttpConnectionInit() {}

  /** Installs the handlers on {@code ch} (autoRead off). */
  public static void init(Channel ch, ProxyContext px, Supplier<HcmConfig> hcm) {
    init(ch, px, hcm, null);
  }

  /**
   * As {@link #init(Channel, ProxyContext, Supplier)} on a TLS connection whose handshake
   * negotiated {@code alpn} ("h2", "http/1.1", or null: detect from the first bytes).
   */
  public static void init(Channel ch, ProxyContext px, Supplier<HcmConfig> hcm, String alpn) {
    HcmConfig cfg = hcm.get();
    cfg.stats().cxTotal.inc();
    cfg.stats().cxActive.inc();
    ch.closeFuture().addListener(f -> cfg.stats().cxActive.dec());
    if (cfg.http1Only() || "http/1.1".equals(alpn)) {
      installHttp1(ch.pipeline(), px, hcm);
    } else if (cfg.http2Only() || "h2".equals(alpn)) {
      installHttp2(ch, px, hcm);
    } else {
      ch.pipeline().addLast("detect", new Detector(px, hcm));
    }
  }

  static void installHttp1(ChannelPipeline p, ProxyContext px, Supplier<HcmConfig> hcm) {
    HcmConfig cfg = hcm.get();
    cfg.stats().cxHttp1Total.inc();
    H1Guard guard = new H1Guard(cfg.requestHeadersTimeoutMs(), cfg.idleTimeoutMs(), cfg.stats());
    ResponseEncoder enc = new ResponseEncoder();
    p.addLast("guard", guard);
    // Headers and body of a response (and of the upstream request) leave in one write(2), not one
    // per HttpObject: flushes are deferred to the end of the read batch or event-loop turn. After the
    // guard, whose own 408 goes out at once.
    p.addLast("flush", newFlushConsolidation());
    p.addLast("decoder", new Http1RequestDecoder(cfg.maxRequestHeadersBytes()));
    p.addLast("encoder", enc);
    p.addLast("hcm", new DownstreamHandler(px, hcm, false, enc, guard));
  }

  static void installHttp2(Channel ch, ProxyContext px, Supplier<HcmConfig> hcm) {
    HcmConfig cfg = hcm.get();
    cfg.stats().cxHttp2Total.inc();
    ch.config().setAutoRead(true); // frames must flow; per-stream back-pressure is HTTP/2 flow control
    Http2Settings settings = Http2Settings.defaultSettings().maxHeaderListSize(cfg.maxRequestHeadersBytes());
    // Each stream's response is written and flushed by its own child channel (headers, body,
    // trailers): without consolidation every one of them is a write(2). Deferred to the end of the
    // read batch or event-loop turn, the frames of all streams answered in that turn leave together.
    ch.pipeline()
        .addLast(H2_FLUSH, newFlushConsolidation())
        .addLast(
            Http2FrameCodecBuilder.forServer().initialSettings(settings).build(),
            new Http2MultiplexHandler(
                new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel s) {
                    s.config().setAutoRead(false);
                    s.pipeline()
                        .addLast(
                            new Http2StreamFrameToHttpObjectCodec(true),
                            new DownstreamHandler(px, hcm, true, null, null));
                  }
                }));
    ch.read();
  }

  /** Name of the parent connection's flush consolidation handler on an HTTP/2 connection. */
  static final String H2_FLUSH = "h2-flush";

  static FlushConsolidationHandler newFlushConsolidation() {
    return new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
  }

  /** Looks at the first bytes: the HTTP/2 connection preface selects HTTP/2, anything else HTTP/1.1. */
  static final class Detector extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    private final ProxyContext px;
    private final Supplier<HcmConfig> hcm;

    Detector(ProxyContext px, Supplier<HcmConfig> hcm) {
      this.px = px;
      this.hcm = hcm;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
      super.handlerAdded(ctx);
      if (ctx.channel().isActive()) ctx.read();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      ctx.read();
      super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
      boolean prefix =
          ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n);
      if (prefix && n < PREFACE.readableBytes()) return; // need more bytes to decide
      ChannelPipeline p = ctx.pipeline();
      if (prefix) {
        installHttp2(ctx.channel(), px, hcm);
      } else {
        installHttp1(p, px, hcm);
      }
      p.remove(this); // forwards the bytes read so far to the new handlers
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
      // nothing else to release: the cumulation is forwarded by ByteToMessageDecoder
    }
  }
}
