package io.minimesh.dataplane.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpProbeHandlerTest {
  final List<ProbeResult> results = new ArrayList<>();

  EmbeddedChannel channel() {
    return new EmbeddedChannel(new HttpClientCodec(), new HttpProbeHandler("reviews", "/healthz",
        NettyProber.expected(List.of()), new ProbeCompletion(results::add)));
  }

  static String drainOutbound(EmbeddedChannel ch) {
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.US_ASCII));
      b.release();
    }
    return sb.toString();
  }

  static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  @Test
  void sendsEnvoyStyleRequestAndAccepts200() {
    EmbeddedChannel ch = channel();
    String req = drainOutbound(ch);
    assertThat(req).startsWith("GET /healthz HTTP/1.1\r\n").contains("host: reviews\r\n")
        .contains("user-agent: Envoy/HC\r\n");
    ch.writeInbound(ascii("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
    assertThat(results).containsExactly(ProbeResult.HEALTHY);
    assertThat(ch.isOpen()).isFalse();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void unexpectedStatusIsAnActiveFailure() {
    EmbeddedChannel ch = channel();
    drainOutbound(ch);
    ch.writeInbound(ascii("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy"));
    assertThat(results).containsExactly(ProbeResult.ACTIVE_FAILURE);
    ch.finishAndReleaseAll();
  }

  @Test
  void closeBeforeAnswerIsANetworkFailure() {
    EmbeddedChannel ch = channel();
    drainOutbound(ch);
    ch.close();
    assertThat(results).containsExactly(ProbeResult.NETWORK_FAILURE);
    ch.finishAndReleaseAll();
  }

  @Test
  void garbageIsANetworkFailureNotAHang() {
    EmbeddedChannel ch = channel();
    drainOutbound(ch);
    ch.writeInbound(ascii("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
    ch.close();
    assertThat(results).hasSize(1).doesNotContain(ProbeResult.HEALTHY);
    ch.finishAndReleaseAll();
  }
}
