package io.minimesh.dataplane.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** A compiled UpstreamTlsContext: the client SslContext and the SNI to send. */
public record UpstreamTls(SslContext context, String sni, String missingSecret, List<CertInfo> certs, List<CertInfo> cas) {
  public boolean ready() {
    return context != null;
  }

  /** A client engine for {@code host}; SNI is the configured one (none when empty, as in Envoy). */
  public SslHandler newHandler(ByteBufAllocator alloc, InetSocketAddress host) {
    SslHandler h = sni.isEmpty()
        ? context.newHandler(alloc)
        : context.newHandler(alloc, sni, host.getPort());
    if (!sni.isEmpty()) {
      SSLEngine e = h.engine();
      SSLParameters p = e.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(sni)));
      e.setSSLParameters(p);
    }
    return h;
  }
}
