package io.minimesh.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

class ClientHelloParserTest {
  /** A real ClientHello, as the JDK's TLS client writes it. */
  static byte[] clientHello(String sni, String... alpn) throws Exception {
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, null, null);
    SSLEngine e = c.createSSLEngine("ignored", 443);
    e.setUseClientMode(true);
    SSLParameters p = e.getSSLParameters();
    if (sni != null) p.setServerNames(List.of(new SNIHostName(sni)));
    else p.setServerNames(List.of());
    p.setApplicationProtocols(alpn);
    e.setSSLParameters(p);
    ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
    e.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] b = new byte[out.remaining()];
    out.get(b);
    return b;
  }

  @Test
  void readsSniAndAlpnWithoutConsuming() throws Exception {
    ByteBuf buf = Unpooled.wrappedBuffer(clientHello("Api.Example.com", "h2", "http/1.1"));
    try {
      ClientHelloParser.Result r = ClientHelloParser.parse(buf);
      assertThat(r.status()).isEqualTo(ClientHelloParser.Status.TLS);
      assertThat(r.sni()).isEqualTo("api.example.com");
      assertThat(r.alpn()).containsExactly("h2", "http/1.1");
      assertThat(buf.readerIndex()).isZero();
    } finally {
      buf.release();
    }
  }

  @Test
  void noSniIsTlsWithoutServerName() throws Exception {
    ByteBuf buf = Unpooled.wrappedBuffer(clientHello(null));
    try {
      ClientHelloParser.Result r = ClientHelloParser.parse(buf);
      assertThat(r.status()).isEqualTo(ClientHelloParser.Status.TLS);
      assertThat(r.sni()).isNull();
      assertThat(r.alpn()).isEmpty();
    } finally {
      buf.release();
    }
  }

  @Test
  void everyPrefixOfAClientHelloNeedsMore() throws Exception {
    byte[] hello = clientHello("a.example.com", "h2");
    for (int n = 0; n < hello.length; n++) {
      ByteBuf buf = Unpooled.wrappedBuffer(hello, 0, n);
      try {
        assertThat(ClientHelloParser.parse(buf).status()).as("first %d bytes", n).isEqualTo(ClientHelloParser.Status.NEED_MORE);
      } finally {
        buf.release();
      }
    }
  }

  @Test
  void aClientHelloSplitAcrossTwoRecordsIsReassembled() throws Exception {
    byte[] hello = clientHello("split.example.com", "h2");
    int body = hello.length - 5;
    int first = body / 2;
    byte[] two = new byte[hello.length + 5];
    System.arraycopy(hello, 0, two, 0, 5 + first);
    two[3] = (byte) (first >> 8);
    two[4] = (byte) first;
    int second = body - first;
    two[5 + first] = 0x16;
    two[6 + first] = hello[1];
    two[7 + first] = hello[2];
    two[8 + first] = (byte) (second >> 8);
    two[9 + first] = (byte) second;
    System.arraycopy(hello, 5 + first, two, 10 + first, second);
    ByteBuf buf = Unpooled.wrappedBuffer(two);
    try {
      ClientHelloParser.Result r = ClientHelloParser.parse(buf);
      assertThat(r.status()).isEqualTo(ClientHelloParser.Status.TLS);
      assertThat(r.sni()).isEqualTo("split.example.com");
      assertThat(r.alpn()).containsExactly("h2");
    } finally {
      buf.release();
    }
  }

  @Test
  void plaintextIsRawBuffer() {
    ByteBuf buf = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
    try {
      assertThat(ClientHelloParser.parse(buf).status()).isEqualTo(ClientHelloParser.Status.NOT_TLS);
    } finally {
      buf.release();
    }
  }

  @Test
  void garbageAfterAHandshakeHeaderIsInvalid() {
    // A handshake record whose message is not a ClientHello, then a truncated ClientHello body.
    ByteBuf notHello = Unpooled.wrappedBuffer(new byte[] {0x16, 3, 1, 0, 4, 2, 0, 0, 0});
    ByteBuf truncated = Unpooled.wrappedBuffer(new byte[] {0x16, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0});
    try {
      assertThat(ClientHelloParser.parse(notHello).status()).isEqualTo(ClientHelloParser.Status.INVALID);
      assertThat(ClientHelloParser.parse(truncated).status()).isEqualTo(ClientHelloParser.Status.INVALID);
    } finally {
      notHello.release();
      truncated.release();
    }
  }
}
