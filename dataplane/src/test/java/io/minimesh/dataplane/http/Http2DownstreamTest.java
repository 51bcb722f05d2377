package io.minimesh.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.TestContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP/2 (h2c prior knowledge) connection manager on an EmbeddedChannel whose clock only moves
 * when the test says so, talking to a real Netty HTTP/2 client codec on a second EmbeddedChannel:
 * every response must leave without any timer firing, and the frames of many streams answered in
 * one event-loop turn must leave in one flush.
 */
@ExtendWith(LeakCheck.class)
class Http2DownstreamTest {
  static final String YAML =
      """
      static_resources:
        listeners:
        - name: l
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: t
                http_filters:
                - name: envoy.filters.http.fault
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: {path: "/delay"}
                      direct_response: {status: 200, body: {inline_string: "late"}}
                      typed_per_filter_config:
                        envoy.filters.http.fault:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          delay: {fixed_delay: 1s, percentage: {numerator: 100}}
                    - match: {prefix: "/"}
                      direct_response: {status: 200, body: {inline_string: "ok"}}
      """;

  TestContext ctx;
  EmbeddedChannel server;
  EmbeddedChannel client;
  Client frames;
  final Socket socket = new Socket();

  @BeforeEach
  void setUp() throws Exception {
    ctx = new TestContext(YAML);
    server = new EmbeddedChannel();
    server.freezeTime(); // only advanceTimeBy moves the event loop clock
    HttpConnectionInit.installHttp2(server, ctx, () -> ctx.hcm("l"));
    // Stands for the socket: holds writes until a flush (as a channel's outbound buffer does) and
    // counts the flushes that carry data, each of which would be one write(2). Holding them also keeps
    // EmbeddedChannel from running pending tasks (a deferred flush) in the middle of a write.
    server.pipeline().addFirst(socket);
    frames = new Client();
    client = new EmbeddedChannel(Http2FrameCodecBuilder.forClient().build(), frames);
    client.freezeTime();
    pump(); // connection prefaces and settings
  }

  @AfterEach
  void tearDown() {
    client.finishAndReleaseAll();
    server.finishAndReleaseAll();
    socket.releaseHeld();
    ctx.close();
  }

  /** Moves bytes both ways until neither side has more to say; each direction as one read batch. */
  void pump() {
    for (int i = 0; i < 100; i++) {
      boolean moved = move(client, server) | move(server, client);
      if (!moved) return;
    }
    throw new AssertionError("the two sides kept talking");
  }

  static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
    from.runPendingTasks();
    List<Object> batch = new ArrayList<>();
    Object o;
    while ((o = from.readOutbound()) != null) batch.add(o);
    if (batch.isEmpty()) return false;
    to.writeInbound(batch.toArray()); // one read batch: channelRead for each, then channelReadComplete
    to.runPendingTasks();
    return true;
  }

  Http2FrameStream get(String path) {
    Http2FrameStream s = frames.newStream();
    Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("http").authority("a").path(path);
    client.writeAndFlush(new DefaultHttp2HeadersFrame(h, true).stream(s));
    return s;
  }

  @Test
  void manySequentialRequestsOnOneConnectionCompleteWithoutAnyTimer() {
    for (int i = 0; i < 100; i++) {
      Http2FrameStream s = get("/r" + i);
      pump(); // no clock movement: a response waiting for a timer (flush, read, window update) never comes
      assertThat(frames.response(s)).as("response to request %d", i).isEqualTo("200 ok");
    }
    assertThat(ctx.stats.snapshot()).containsEntry("http.t.downstream_rq_2xx", 100L);
  }

  @Test
  void concurrentStreamsInOneReadAreAnsweredInOneFlush() {
    List<Http2FrameStream> streams = new ArrayList<>();
    for (int i = 0; i < 10; i++) streams.add(get("/c" + i));
    socket.flushes = 0;
    move(client, server); // the ten HEADERS frames in one read
    assertThat(socket.flushes).as("flushes for 10 streams answered in one read").isEqualTo(1);
    pump();
    for (Http2FrameStream s : streams) assertThat(frames.response(s)).isEqualTo("200 ok");
  }

  @Test
  void responsesWrittenOutsideAReadAreFlushedOnceAtTheEndOfTheTurn() {
    List<Http2FrameStream> streams = new ArrayList<>();
    for (int i = 0; i < 10; i++) streams.add(get("/delay"));
    pump();
    for (Http2FrameStream s : streams) assertThat(frames.response(s)).as("held by the fault delay").isNull();
    socket.flushes = 0;
    server.advanceTimeBy(1, TimeUnit.SECONDS);
    server.runScheduledPendingTasks(); // the ten delay timers answer, one after another
    server.runPendingTasks();
    assertThat(socket.flushes).as("flushes for 10 responses written by timers in one turn").isEqualTo(1);
    pump();
    for (Http2FrameStream s : streams) assertThat(frames.response(s)).isEqualTo("200 late");
  }

  static final class Socket extends ChannelOutboundHandlerAdapter {
    final List<Object> held = new ArrayList<>();
    final List<ChannelPromise> promises = new ArrayList<>();
    int flushes;

    @Override
    public void write(ChannelHandlerContext c, Object msg, ChannelPromise p) {
      held.add(msg);
      promises.add(p);
    }

    @Override
    public void flush(ChannelHandlerContext c) {
      if (!held.isEmpty()) flushes++; // an empty flush costs no write(2)
      for (int i = 0; i < held.size(); i++) c.write(held.get(i), promises.get(i));
      held.clear();
      promises.clear();
      c.flush();
    }

    void releaseHeld() {
      held.forEach(ReferenceCountUtil::release);
      held.clear();
    }
  }

  /** The client side: opens streams and collects each one's status and body. */
  static final class Client extends Http2ChannelDuplexHandler {
    final Map<Integer, String> status = new HashMap<>();
    final Map<Integer, StringBuilder> body = new HashMap<>();
    final Map<Integer, Boolean> ended = new HashMap<>();

    String response(Http2FrameStream s) {
      if (!Boolean.TRUE.equals(ended.get(s.id()))) return null;
      return status.get(s.id()) + " " + body.getOrDefault(s.id(), new StringBuilder());
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame h) {
          int id = h.stream().id();
          if (h.headers().status() != null) status.put(id, h.headers().status().toString());
          if (h.isEndStream()) ended.put(id, true);
        } else if (msg instanceof Http2DataFrame d) {
          int id = d.stream().id();
          ByteBuf b = d.content();
          body.computeIfAbsent(id, k -> new StringBuilder()).append(b.toString(StandardCharsets.UTF_8));
          if (d.isEndStream()) ended.put(id, true);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }
  }
}
