package io.minimesh.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class TlsInspectorTest {
  final List<String> found = new ArrayList<>();
  final List<String> failures = new ArrayList<>();

  TlsInspector inspector() {
    return new TlsInspector(new TlsInspector.Listener() {
      @Override
      public void detected(ChannelHandlerContext ctx, String transport, String sni, List<String> alpn) {
        found.add(transport + "|" + sni + "|" + alpn);
      }

      @Override
      public void failed(ChannelHandlerContext ctx, String reason) {
        failures.add(reason);
      }
    }, 10_000);
  }

  @Test
  void aClientHelloSplitAcrossReadsIsInspectedAndForwardedWhole() throws Exception {
    byte[] hello = ClientHelloParserTest.clientHello("a.example.com", "h2");
    EmbeddedChannel ch = new EmbeddedChannel(inspector());
    ch.writeInbound(Unpooled.wrappedBuffer(hello, 0, 7));
    assertThat(found).isEmpty();
    assertThat((Object) ch.readInbound()).isNull();
    ch.writeInbound(Unpooled.wrappedBuffer(hello, 7, hello.length - 7));
    assertThat(found).containsExactly("tls|a.example.com|[h2]");
    assertThat(ch.pipeline().get(TlsInspector.class)).isNull();
    ByteBuf out = ch.readInbound();
    try {
      byte[] got = new byte[out.readableBytes()];
      out.readBytes(got);
      assertThat(got).isEqualTo(hello); // nothing consumed: the TLS engine / passthrough upstream gets it all
    } finally {
      out.release();
    }
    ch.finishAndReleaseAll();
  }

  @Test
  void plaintextIsRawBuffer() {
    EmbeddedChannel ch = new EmbeddedChannel(inspector());
    ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));
    assertThat(found).containsExactly("raw_buffer|null|[]");
    ByteBuf out = ch.readInbound();
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("GET / HTTP/1.1\r\n");
    out.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void garbageTlsIsClosed() {
    EmbeddedChannel ch = new EmbeddedChannel(inspector());
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 3, 1, 0, 4, 2, 0, 0, 0}));
    assertThat(found).isEmpty();
    assertThat(failures).containsExactly("invalid ClientHello");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aSilentClientIsClosedAfterTheTimeout() {
    EmbeddedChannel ch = new EmbeddedChannel(inspector());
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 3}));
    ch.advanceTimeBy(5_000, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(5_001, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(failures).containsExactly("timeout");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }
}
