package io.minimesh.dataplane.listener;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What filter-chain selection looks at: the connection's destination (the listener's address, or
 * the original destination of a connection redirected by iptables), its source, and what the
 * tls_inspector found (SNI, ALPN, transport protocol "tls" or "raw_buffer").
 */
public record ConnectionInfo(
    InetSocketAddress destination, InetSocketAddress source, String sni, List<String> alpn, String transport) {
  public ConnectionInfo {
    alpn = alpn == null ? List.of() : List.copyOf(alpn);
    transport = transport == null || transport.isEmpty() ? "raw_buffer" : transport;
    sni = sni == null || sni.isEmpty() ? null : sni;
  }

  /** A plaintext connection with nothing inspected. */
  public static ConnectionInfo plain(InetSocketAddress destination, InetSocketAddress source) {
    return new ConnectionInfo(destination, source, null, List.of(), "raw_buffer");
  }
}
