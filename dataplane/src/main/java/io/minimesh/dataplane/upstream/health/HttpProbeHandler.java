package io.minimesh.dataplane.upstream.health;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.function.IntPredicate;

/**
 * Sends one {@code GET path} (after an {@code HttpClientCodec}) and turns the response status into
 * a {@link ProbeResult}. The body is ignored and released; the connection is closed after the
 * answer (no connection reuse between probes).
 */
final class HttpProbeHandler extends ChannelInboundHandlerAdapter {
  private final String host;
  private final String path;
  private final IntPredicate expectedStatus;
  private final ProbeCompletion completion;

  HttpProbeHandler(String host, String path, IntPredicate expectedStatus,
      ProbeCompletion completion) {
    this.host = host;
    this.path = path;
    this.expectedStatus = expectedStatus;
    this.completion = completion;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    req.headers().set(HttpHeaderNames.HOST, host)
        .set(HttpHeaderNames.USER_AGENT, "Envoy/HC")
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set(HttpHeaderNames.CONTENT_LENGTH, 0);
    ctx.writeAndFlush(req).addListener(f -> {
      if (!f.isSuccess()) {
        completion.complete(ProbeResult.NETWORK_FAILURE);
        ctx.close();
      }
    });
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpResponse) {
        int status = ((HttpResponse) msg).status().code();
        completion.complete(expectedStatus.test(status)
            ? ProbeResult.HEALTHY : ProbeResult.ACTIVE_FAILURE);
        ctx.close();
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    completion.complete(ProbeResult.NETWORK_FAILURE);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    completion.complete(ProbeResult.NETWORK_FAILURE);
    ctx.fireChannelInactive();
  }
}
