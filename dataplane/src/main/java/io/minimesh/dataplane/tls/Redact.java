package io.minimesh.dataplane.tls;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.CommonTlsContext;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.TransportSocket;

/** Config dumps never show private keys: inline keys of TLS contexts become "[redacted]" (as in Envoy). */
public final class Redact {
  private static final DataSource REDACTED = DataSource.newBuilder().setInlineString("[redacted]").build();

  private Redact() {}

  public static Listener listener(Listener l) {
    boolean any = l.getFilterChainsList().stream().anyMatch(fc -> hasInlineKey(fc.getTransportSocket()))
        || hasInlineKey(l.getDefaultFilterChain().getTransportSocket());
    if (!any) return l;
    Listener.Builder b = l.toBuilder();
    for (FilterChain.Builder fc : b.getFilterChainsBuilderList()) {
      if (fc.hasTransportSocket()) fc.setTransportSocket(socket(fc.getTransportSocket()));
    }
    if (b.hasDefaultFilterChain() && b.getDefaultFilterChain().hasTransportSocket()) {
      b.getDefaultFilterChainBuilder().setTransportSocket(socket(b.getDefaultFilterChain().getTransportSocket()));
    }
    return b.build();
  }

  public static Cluster cluster(Cluster c) {
    if (!hasInlineKey(c.getTransportSocket())) return c;
    return c.toBuilder().setTransportSocket(socket(c.getTransportSocket())).build();
  }

  private static boolean hasInlineKey(TransportSocket t) {
    CommonTlsContext c = t.hasDownstreamTls() ? t.getDownstreamTls().getCommonTlsContext()
        : t.hasUpstreamTls() ? t.getUpstreamTls().getCommonTlsContext() : null;
    return c != null && c.getTlsCertificatesList().stream().anyMatch(x -> x.hasPrivateKey() && !x.getPrivateKey().hasFilename());
  }

  private static TransportSocket socket(TransportSocket t) {
    TransportSocket.Builder b = t.toBuilder();
    CommonTlsContext.Builder c = t.hasDownstreamTls() ? b.getDownstreamTlsBuilder().getCommonTlsContextBuilder()
        : t.hasUpstreamTls() ? b.getUpstreamTlsBuilder().getCommonTlsContextBuilder() : null;
    if (c == null) return t;
    for (var cert : c.getTlsCertificatesBuilderList()) {
      if (cert.hasPrivateKey() && !cert.getPrivateKey().hasFilename()) cert.setPrivateKey(REDACTED);
    }
    return b.build();
  }
}
