package io.minimesh.dataplane.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class ByteRelayTest {
  @Test
  void copiesBytesAndPropagatesClose() {
    EmbeddedChannel peer = new EmbeddedChannel();
    EmbeddedChannel ch = new EmbeddedChannel(new ByteRelay(peer));
    ch.writeInbound(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII));
    ByteBuf out = peer.readOutbound();
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
    out.release();
    ch.close();
    peer.runPendingTasks();
    assertThat(peer.isActive()).isFalse();
    peer.finishAndReleaseAll();
    ch.finishAndReleaseAll();
  }

  @Test
  void dropsDataWhenPeerIsGone() {
    EmbeddedChannel peer = new EmbeddedChannel();
    peer.close();
    EmbeddedChannel ch = new EmbeddedChannel(new ByteRelay(peer));
    ch.writeInbound(Unpooled.copiedBuffer("lost", StandardCharsets.US_ASCII));
    assertThat((Object) peer.readOutbound()).isNull();
    ch.finishAndReleaseAll();
  }
}
