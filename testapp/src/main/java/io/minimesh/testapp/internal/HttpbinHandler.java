package io.minimesh.testapp.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * httpbin-compatible endpoints on aggregated requests (HTTP/1.1, or an HTTP/2 stream converted to
 * HTTP/1 objects). Response shapes follow httpbin so tests can run against either.
 */
public final class HttpbinHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  static final String SERVED_BY = "x-served-by";
  static final double MAX_DELAY_SECONDS = 10;
  static final int MAX_BYTES = 10 * 1024 * 1024;
  static final int MAX_STREAM = 100;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final String name;

  public HttpbinHandler(String name) {
    this.name = name;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (req.decoderResult().isFailure()) {
      send(ctx, req, false, text(HttpResponseStatus.BAD_REQUEST, "Bad Request\n"));
      return;
    }
    QueryStringDecoder query = new QueryStringDecoder(req.uri());
    String path = query.path();
    String[] seg = path.split("/", -1); // "", "status", "418"
    String first = seg.length > 1 ? seg[1] : "";
    String rest = seg.length > 2 ? path.substring(first.length() + 2) : null;
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    switch (first) {
      case "headers" -> send(ctx, req, keepAlive, json(obj().set("headers", headers(req))));
      case "ip" -> send(ctx, req, keepAlive, json(obj().put("origin", origin(ctx, req))));
      case "user-agent" -> send(ctx, req, keepAlive,
          json(obj().put("user-agent", req.headers().get(HttpHeaderNames.USER_AGENT))));
      case "get" -> {
        if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
          send(ctx, req, keepAlive, text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed\n"));
        } else {
          ObjectNode o = obj();
          o.set("args", args(query));
          o.set("headers", headers(req));
          o.put("origin", origin(ctx, req));
          o.put("url", url(req));
          send(ctx, req, keepAlive, json(o));
        }
      }
      case "anything" -> send(ctx, req, keepAlive, json(anything(ctx, req, query, true)));
      case "status" -> send(ctx, req, keepAlive, status(rest));
      case "delay" -> delay(ctx, req, query, rest, keepAlive);
      case "bytes" -> send(ctx, req, keepAlive, bytes(query, rest));
      case "stream" -> stream(ctx, req, query, rest, keepAlive);
      case "healthz" -> send(ctx, req, keepAlive, text(HttpResponseStatus.OK, "ok\n"));
      case "" -> send(ctx, req, keepAlive, text(HttpResponseStatus.OK,
          "minimesh testapp " + name + ": /headers /status/{code} /delay/{s} /anything /get /ip"
              + " /bytes/{n} /stream/{n} /healthz\n"));
      default -> send(ctx, req, keepAlive, text(HttpResponseStatus.NOT_FOUND, "Not Found\n"));
    }
  }

  // ---- endpoints ----

  private ObjectNode anything(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query,
      boolean withMethod) {
    ObjectNode o = obj();
    o.set("args", args(query));
    String body = req.content().toString(StandardCharsets.UTF_8);
    String contentType = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "").toLowerCase(Locale.ROOT);
    ObjectNode form = obj();
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
      putMulti(form, new QueryStringDecoder(body, false).parameters());
      o.put("data", "");
    } else {
      o.put("data", body);
    }
    o.set("files", obj());
    o.set("form", form);
    o.set("headers", headers(req));
    JsonNode parsed = null;
    if (!body.isEmpty() && contentType.contains("json")) {
      try {
        parsed = JSON.readTree(body);
      } catch (JsonProcessingException e) {
        parsed = null; // httpbin answers null for a body that does not parse
      }
    }
    o.set("json", parsed);
    if (withMethod) {
      o.put("method", req.method().name());
    }
    o.put("origin", origin(ctx, req));
    o.put("url", url(req));
    return o;
  }

  static FullHttpResponse status(String spec) {
    int code;
    try {
      code = chooseStatus(spec, ThreadLocalRandom.current());
    } catch (IllegalArgumentException e) {
      return text(HttpResponseStatus.BAD_REQUEST, "Invalid status code\n");
    }
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code));
    if (code == 301 || code == 302 || code == 303 || code == 305 || code == 307) {
      r.headers().set(HttpHeaderNames.LOCATION, "/redirect/1");
    } else if (code == 401) {
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"Fake Realm\"");
    }
    return r;
  }

  /** httpbin's {@code /status/200,500:0.3}: a comma list of codes with optional weights. */
  static int chooseStatus(String spec, Random random) {
    if (spec == null || spec.isEmpty()) {
      throw new IllegalArgumentException("empty");
    }
    List<Integer> codes = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    double total = 0;
    for (String choice : spec.split(",")) {
      String[] parts = choice.trim().split(":", 2);
      int code = Integer.parseInt(parts[0].trim()); // NumberFormatException is an IllegalArgumentException
      if (code < 100 || code > 999) {
        throw new IllegalArgumentException("code " + code);
      }
      double w = parts.length == 2 ? Double.parseDouble(parts[1]) : 1;
      if (!(w >= 0)) {
        throw new IllegalArgumentException("weight " + w);
      }
      codes.add(code);
      weights.add(w);
      total += w;
    }
    if (codes.size() == 1) {
      return codes.get(0);
    }
    double pick = random.nextDouble() * total;
    for (int i = 0; i < codes.size(); i++) {
      pick -= weights.get(i);
      if (pick < 0) {
        return codes.get(i);
      }
    }
    return codes.get(codes.size() - 1);
  }

  private void delay(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query, String spec,
      boolean keepAlive) {
    double seconds;
    try {
      seconds = Double.parseDouble(spec == null ? "" : spec);
    } catch (NumberFormatException e) {
      send(ctx, req, keepAlive, text(HttpResponseStatus.BAD_REQUEST, "Invalid delay\n"));
      return;
    }
    if (!(seconds >= 0)) {
      send(ctx, req, keepAlive, text(HttpResponseStatus.BAD_REQUEST, "Invalid delay\n"));
      return;
    }
    // Built now: the request is released when this method returns.
    FullHttpResponse response = json(anything(ctx, req, query, false));
    boolean head = req.method().equals(HttpMethod.HEAD);
    HttpVersion version = req.protocolVersion();
    long nanos = (long) (Math.min(seconds, MAX_DELAY_SECONDS) * 1e9);
    ctx.executor().schedule(() -> write(ctx, version, head, keepAlive, response), nanos, TimeUnit.NANOSECONDS);
  }

  static FullHttpResponse bytes(QueryStringDecoder query, String spec) {
    int n;
    try {
      n = Integer.parseInt(spec == null ? "" : spec);
    } catch (NumberFormatException e) {
      return text(HttpResponseStatus.BAD_REQUEST, "Invalid number of bytes\n");
    }
    if (n < 0) {
      return text(HttpResponseStatus.BAD_REQUEST, "Invalid number of bytes\n");
    }
    n = Math.min(n, MAX_BYTES);
    List<String> seed = query.parameters().get("seed");
    Random random = seed == null ? ThreadLocalRandom.current() : new Random(Long.parseLong(seed.get(0)));
    byte[] data = new byte[n];
    random.nextBytes(data);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.wrappedBuffer(data));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
    return r;
  }

  private void stream(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query, String spec,
      boolean keepAlive) {
    int n;
    try {
      n = Math.min(Integer.parseInt(spec == null ? "" : spec), MAX_STREAM);
    } catch (NumberFormatException e) {
      send(ctx, req, keepAlive, text(HttpResponseStatus.BAD_REQUEST, "Invalid number of lines\n"));
      return;
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    head.headers().set(SERVED_BY, name);
    HttpUtil.setTransferEncodingChunked(head, true);
    if (!keepAlive && !isHttp2(ctx)) {
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.write(head);
    ObjectNode line = obj();
    line.put("url", url(req));
    line.set("args", args(query));
    line.set("headers", headers(req));
    line.put("origin", origin(ctx, req));
    for (int i = 0; i < Math.max(n, 0); i++) {
      line.put("id", i);
      byte[] bytes;
      try {
        bytes = (JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(line) + "\n")
            .getBytes(StandardCharsets.UTF_8);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
    }
    var done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    if (!keepAlive && !isHttp2(ctx)) {
      done.addListener(ChannelFutureListener.CLOSE);
    }
  }

  // ---- request views ----

  /** Header names as httpbin shows them (Title-Case), repeated values joined with ",". */
  static ObjectNode headers(FullHttpRequest req) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> h : req.headers()) {
      String key = h.getKey().toLowerCase(Locale.ROOT);
      if (key.startsWith("x-http2-")) {
        continue; // Netty's HTTP/2 → HTTP/1 conversion markers, not sent by the client
      }
      if (key.equals("content-length") && h.getValue().equals("0")) {
        continue; // added by aggregation to body-less requests; httpbin shows none
      }
      out.merge(titleCase(key), h.getValue(), (a, b) -> a + "," + b);
    }
    ObjectNode o = obj();
    out.forEach(o::put);
    return o;
  }

  static String titleCase(String header) {
    StringBuilder sb = new StringBuilder(header.length());
    boolean upper = true;
    for (char c : header.toCharArray()) {
      sb.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return sb.toString();
  }

  private static ObjectNode args(QueryStringDecoder query) {
    ObjectNode o = obj();
    putMulti(o, query.parameters());
    return o;
  }

  private static void putMulti(ObjectNode o, Map<String, List<String>> params) {
    new TreeMap<>(params).forEach((k, v) -> {
      if (v.size() == 1) {
        o.put(k, v.get(0));
      } else {
        v.forEach(o.putArray(k)::add);
      }
    });
  }

  private static String origin(ChannelHandlerContext ctx, FullHttpRequest req) {
    String forwarded = req.headers().get("x-forwarded-for");
    if (forwarded != null) {
      return forwarded;
    }
    // An HTTP/2 stream's address is its connection's (an accepted socket's parent is the server socket).
    Channel c = ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
    return c.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
  }

  private static String url(FullHttpRequest req) {
    String scheme = req.headers().get("x-http2-scheme", "http");
    String host = req.headers().get(HttpHeaderNames.HOST, "");
    return scheme + "://" + host + req.uri();
  }

  // ---- responses ----

  private static ObjectNode obj() {
    return JSON.createObjectNode();
  }

  static FullHttpResponse json(JsonNode body) {
    byte[] bytes;
    try {
      bytes = (JSON.writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.wrappedBuffer(bytes));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    return r;
  }

  static FullHttpResponse text(HttpResponseStatus status, String body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }

  private void send(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, FullHttpResponse r) {
    write(ctx, req.protocolVersion(), req.method().equals(HttpMethod.HEAD), keepAlive, r);
  }

  private void write(ChannelHandlerContext ctx, HttpVersion version, boolean head, boolean keepAlive,
      FullHttpResponse r) {
    r.setProtocolVersion(version.equals(HttpVersion.HTTP_1_0) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
    r.headers().set(SERVED_BY, name);
    HttpUtil.setContentLength(r, r.content().readableBytes());
    if (head) {
      r.content().clear(); // Content-Length stays that of the GET response
    }
    boolean close = !keepAlive && !isHttp2(ctx);
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (version.equals(HttpVersion.HTTP_1_0)) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    var f = ctx.writeAndFlush(r);
    if (close) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static boolean isHttp2(ChannelHandlerContext ctx) {
    return ctx.channel() instanceof Http2StreamChannel;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
