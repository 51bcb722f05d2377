package io.minimesh.dataplane.upstream.lb;

import io.minimesh.api.xds.v1.Locality;
import java.net.InetSocketAddress;

/**
 * One upstream endpoint as a load balancer sees it. Identity, weight, locality and priority are
 * fixed for the host's life; {@link #activeRequests()} is live.
 */
public interface LbHost {
  InetSocketAddress address();

  /** Load-balancing weight, at least 1. */
  int weight();

  Locality locality();

  /** 0 is the highest priority. */
  int priority();

  /** Health as of when the load balancer was built (EDS status, health checks, outlier ejection). */
  boolean healthy();

  /** Requests in flight to this host (for least-request). */
  int activeRequests();

  /**
   * The {@code load_balancing_weight} of the host's {@code LocalityLbEndpoints}, or 0 when unset
   * (then locality-weighted balancing uses the sum of the locality's host weights). All hosts of
   * one locality and priority should return the same value.
   */
  default int localityWeight() {
    return 0;
  }

  /**
   * The key ring hash and Maglev place this host by; Envoy's default is the address as
   * {@code ip:port} ({@code [v6]:port}). Override to hash by hostname.
   */
  default String hashKey() {
    InetSocketAddress a = address();
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + a.getPort() : host + ":" + a.getPort();
  }
}
