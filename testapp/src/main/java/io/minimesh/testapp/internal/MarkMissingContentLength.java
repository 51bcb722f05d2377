package io.minimesh.testapp.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Marks a request that arrived without Content-Length, before aggregation adds one, so that
 * {@code /headers} shows exactly what the client sent (as httpbin does).
 */
@ChannelHandler.Sharable
final class MarkMissingContentLength extends ChannelInboundHandlerAdapter {

  static final String MARKER = "x-testapp-no-content-length";
  static final MarkMissingContentLength INSTANCE = new MarkMissingContentLength();

  private MarkMissingContentLength() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req && !req.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      req.headers().set(MARKER, "1");
    }
    ctx.fireChannelRead(msg);
  }
}
