package io.minimesh.testapp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TcpEchoHandlerTest {

  @Test
  void echoesBytesAndReadsAgainOnlyAfterTheWrite() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setAutoRead(false);
    ch.pipeline().addLast(new TcpEchoHandler());
    ByteBuf in = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
    ch.writeInbound(in);
    ByteBuf out = ch.readOutbound();
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
    out.release();
    assertThat(in.refCnt()).isZero();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void halfCloseClosesAfterFlushing() {
    EmbeddedChannel ch = new EmbeddedChannel(new TcpEchoHandler());
    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }
}
