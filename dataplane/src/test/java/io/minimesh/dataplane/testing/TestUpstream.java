package io.minimesh.dataplane.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small httpbin-like upstream for tests: {@code /headers} (JSON of the request headers),
 * {@code /status/N}, {@code /delay/MS}, {@code /echo} (request body back), {@code /fail-once/K} (503
 * the first time, then the body back), {@code /status-on/NAME/N} (N from the upstream called NAME, 200
 * from the others); anything else 200 "ok".
 * Counts hits per path. HTTP/1.1, or h2c prior knowledge when built with {@code http2}.
 */
public final class TestUpstream implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel channel;
  private final String name;
  private final ConcurrentHashMap<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private volatile Map<String, String> lastHeaders = Map.of();
  private volatile String lastBody = "";

  public TestUpstream(String name, boolean http2) {
    this(name, http2, null);
  }

  /** A TLS upstream when {@code tls} is a server SslContext (ALPN is not negotiated: HTTP/1.1 or h2 as given). */
  public TestUpstream(String name, boolean http2, io.netty.handler.ssl.SslContext tls) {
    this.name = name;
    this.channel =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (tls != null) ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    if (http2) {
                      ch.pipeline()
                          .addLast(
                              Http2FrameCodecBuilder.forServer().build(),
                              new Http2MultiplexHandler(
                                  new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel s) {
                                      s.pipeline()
                                          .addLast(
                                              new Http2StreamFrameToHttpObjectCodec(true),
                                              new HttpObjectAggregator(4 << 20),
                                              new Handler());
                                    }
                                  }));
                    } else {
                      ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(4 << 20), new Handler());
                    }
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .syncUninterruptibly()
            .channel();
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  public int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  public Map<String, String> lastHeaders() {
    return lastHeaders;
  }

  public String lastBody() {
    return lastBody;
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
      QueryStringDecoder q = new QueryStringDecoder(req.uri());
      String path = q.path();
      hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      Map<String, String> h = new TreeMap<>();
      req.headers().forEach(e -> h.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + "," + b));
      lastHeaders = Map.copyOf(h);
      lastBody = req.content().toString(StandardCharsets.UTF_8);
      if (path.equals("/headers")) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("headers", h);
        body.put("uri", req.uri());
        send(ctx, req, 200, JSON.writeValueAsString(body));
      } else if (path.startsWith("/status/")) {
        send(ctx, req, Integer.parseInt(path.substring(8)), "");
      } else if (path.startsWith("/delay/")) {
        long ms = Long.parseLong(path.substring(7));
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        ctx.executor().schedule(() -> send(ctx, keepAlive, 200, "delayed"), ms, TimeUnit.MILLISECONDS);
      } else if (path.startsWith("/fail-once/")) {
        boolean first = hits(path) == 1;
        send(ctx, req, first ? 503 : 200, first ? "" : req.content().toString(StandardCharsets.UTF_8));
      } else if (path.startsWith("/status-on/")) {
        String[] p = path.split("/");
        send(ctx, req, p[2].equals(name) ? Integer.parseInt(p[3]) : 200, "from " + name);
      } else if (path.equals("/echo")) {
        send(ctx, req, 200, req.content().toString(StandardCharsets.UTF_8));
      } else {
        send(ctx, req, 200, "ok " + path);
      }
    }

    private void send(ChannelHandlerContext ctx, FullHttpRequest req, int status, String body) {
      send(ctx, HttpUtil.isKeepAlive(req), status, body);
    }

    private void send(ChannelHandlerContext ctx, boolean keepAlive, int status, String body) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(status),
              Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
      r.headers().set("x-served-by", name);
      if (!keepAlive) r.headers().set(HttpHeaderNames.CONNECTION, "close");
      ctx.writeAndFlush(r);
    }
  }
}
