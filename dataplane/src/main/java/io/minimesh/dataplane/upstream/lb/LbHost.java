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
}
