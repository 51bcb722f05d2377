package io.minimesh.testapp.internal;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;

/**
 * One port for HTTP/1.1, h2c with prior knowledge and h2c via {@code Upgrade: h2c}. HTTP/2 streams
 * become child channels that speak HTTP/1 objects, so one {@link HttpbinHandler} serves both.
 */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {

  /** Largest request body the test app accepts (413 above). */
  static final int MAX_BODY = 16 * 1024 * 1024;

  private final String name;

  public HttpServerInitializer(String name) {
    this.name = name;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    HttpServerCodec http1 = new HttpServerCodec();
    HttpServerUpgradeHandler.UpgradeCodecFactory upgrades = protocol ->
        AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
            ? new Http2ServerUpgradeCodec(Http2FrameCodecBuilder.forServer().build(), multiplex())
            : null;
    HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1, upgrades, MAX_BODY);
    ChannelPipeline p = ch.pipeline();
    p.addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, new ChannelInitializer<>() {
      @Override
      protected void initChannel(io.netty.channel.Channel c) {
        c.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), multiplex());
      }
    }));
    p.addLast(new HttpObjectAggregator(MAX_BODY));
    p.addLast(new HttpbinHandler(name));
  }

  private Http2MultiplexHandler multiplex() {
    ChannelInitializer<Http2StreamChannel> stream = new ChannelInitializer<>() {
      @Override
      protected void initChannel(Http2StreamChannel c) {
        c.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
            new HttpObjectAggregator(MAX_BODY), new HttpbinHandler(name));
      }
    };
    return new Http2MultiplexHandler(stream, stream);
  }
}
