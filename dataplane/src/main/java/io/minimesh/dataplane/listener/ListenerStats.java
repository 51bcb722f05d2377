package io.minimesh.dataplane.listener;

import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.stats.StatsRegistry.Counter;

/** Envoy's per-listener connection-setup stats ({@code listener.<address>.…}). */
public record ListenerStats(Counter noFilterChainMatch, Counter sslHandshake, Counter sslConnectionError,
    Counter inspectorFailed) {

  /** {@code prefix} is "listener.<address>." . */
  public static ListenerStats create(StatsRegistry r, String prefix) {
    return new ListenerStats(
        r.counter(prefix + "no_filter_chain_match"),
        r.counter(prefix + "ssl.handshake"),
        r.counter(prefix + "ssl.connection_error"),
        r.counter(prefix + "tls_inspector.client_hello_failed"));
  }
}
