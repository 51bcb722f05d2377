package io.minimesh.dataplane.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * A compiled DownstreamTlsContext. {@code ready} is false while a referenced SDS secret has not
 * arrived (Envoy: the listener warms); connections reaching such a chain are closed.
 */
public record ServerTls(SslContext context, String missingSecret, List<CertInfo> certs, List<CertInfo> cas) {
  public boolean ready() {
    return context != null;
  }

  public SslHandler newHandler(ByteBufAllocator alloc) {
    return context.newHandler(alloc);
  }
}
