package io.minimesh.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.TestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The first bytes select HTTP/1.1 or HTTP/2 (prior knowledge). */
@ExtendWith(LeakCheck.class)
class ProtocolDetectorTest {
  TestContext ctx;
  EmbeddedChannel ch;

  void setUp() throws Exception {
    ctx = new TestContext(DownstreamHandlerTest.YAML);
    ch = new EmbeddedChannel();
    HttpConnectionInit.init(ch, ctx, () -> ctx.hcm("l"));
  }

  @AfterEach
  void tearDown() {
    if (ch != null) ch.finishAndReleaseAll();
    if (ctx != null) ctx.close();
  }

  @Test
  void http1() throws Exception {
    setUp();
    ch.writeInbound(Unpooled.copiedBuffer("GET /direct HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII));
    assertThat(ch.pipeline().get("detect")).isNull();
    assertThat(ch.pipeline().get("decoder")).isNotNull();
    ByteBuf out = ch.readOutbound();
    assertThat(out.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200 OK");
    out.release();
    assertThat(ctx.stats.snapshot()).containsEntry("http.t.downstream_cx_http1_total", 1L);
  }

  @Test
  void waitsForEnoughBytesThenPicksHttp2() throws Exception {
    setUp();
    ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
    ch.writeInbound(preface.readRetainedSlice(10));
    assertThat(ch.pipeline().get("detect")).isNotNull();
    ch.writeInbound(preface);
    assertThat(ch.pipeline().get("detect")).isNull();
    assertThat(ch.pipeline().get(Http2FrameCodec.class)).isNotNull();
    assertThat(ctx.stats.snapshot()).containsEntry("http.t.downstream_cx_http2_total", 1L);
    for (Object o; (o = ch.readOutbound()) != null; ) io.netty.util.ReferenceCountUtil.release(o);
  }
}
