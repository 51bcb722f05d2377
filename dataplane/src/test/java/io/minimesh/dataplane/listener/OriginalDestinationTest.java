package io.minimesh.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class OriginalDestinationTest {
  @Test
  void parsesSockaddrInAsTheKernelFillsIt() {
    // AF_INET (2, host order), port 8000 (network order), 10.96.0.10, 8 bytes of zero.
    ByteBuffer b = ByteBuffer.wrap(new byte[] {2, 0, 0x1f, 0x40, 10, 96, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0});
    assertThat(OriginalDestination.parse(b)).isEqualTo(new InetSocketAddress("10.96.0.10", 8000));
  }

  @Test
  void parsesSockaddrIn6() {
    byte[] raw = new byte[28];
    raw[0] = 10; // AF_INET6
    raw[2] = 0x1f;
    raw[3] = 0x40;
    raw[8] = (byte) 0xfd;
    raw[23] = 1; // fd00::1
    assertThat(OriginalDestination.parse(ByteBuffer.wrap(raw))).isEqualTo(new InetSocketAddress("fd00::1", 8000));
  }

  @Test
  void rejectsUnknownFamiliesAndShortBuffers() {
    assertThat(OriginalDestination.parse(ByteBuffer.wrap(new byte[] {1, 0, 0, 80, 1, 2, 3, 4}))).isNull();
    assertThat(OriginalDestination.parse(ByteBuffer.wrap(new byte[] {2, 0, 0}))).isNull();
    assertThat(OriginalDestination.parse(ByteBuffer.wrap(new byte[] {2, 0, 0, 0, 1, 2, 3, 4}))).as("port 0").isNull();
  }

  @Test
  void noOriginalDestinationWithoutTheEpollTransport() {
    EmbeddedChannel ch = new EmbeddedChannel();
    assertThat(OriginalDestination.read(ch)).isNull();
    assertThat(OriginalDestination.of(ch)).isNull();
    ch.attr(OriginalDestination.KEY).set(new InetSocketAddress("10.0.0.1", 80));
    assertThat(OriginalDestination.of(ch)).isEqualTo(new InetSocketAddress("10.0.0.1", 80));
    ch.finishAndReleaseAll();
  }
}
