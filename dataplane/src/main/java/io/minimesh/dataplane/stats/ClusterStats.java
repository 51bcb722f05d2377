package io.minimesh.dataplane.stats;

import io.minimesh.dataplane.stats.StatsRegistry.Counter;
import io.minimesh.dataplane.stats.StatsRegistry.Gauge;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Pre-resolved counters of one cluster ({@code cluster.<name>.*}). */
public final class ClusterStats {
  private final StatsRegistry registry;
  private final String prefix;
  public final Counter rqTotal;
  public final Counter rqRetry;
  public final Counter rqRetrySuccess;
  public final Counter rqRetryOverflow;
  public final Counter rqTimeout;
  public final Counter rqPerTryTimeout;
  public final Counter rqPendingOverflow;
  public final Counter rqPendingTotal;
  public final Counter cxOverflow;
  public final Counter rqCancelled;
  public final Counter rqRxReset;
  public final Counter rqTxReset;
  public final Gauge rqActive;
  public final Gauge rqPendingActive;
  public final Counter cxTotal;
  public final Gauge cxActive;
  public final Counter cxConnectFail;
  public final Counter cxConnectTimeout;
  public final Counter cxDestroy;
  public final Counter noHealthyUpstream;
  public final Counter membershipChange;
  public final Gauge membershipHealthy;
  public final Gauge membershipTotal;
  public final Counter cxTxBytes;
  public final Counter cxRxBytes;
  private final Counter[] byClass = new Counter[6];
  // Per-status counters are created the first time a status is seen, then cached here.
  private final AtomicReferenceArray<Counter> byCode = new AtomicReferenceArray<>(600);

  public ClusterStats(StatsRegistry registry, String clusterName) {
    this.registry = registry;
    this.prefix = "cluster." + clusterName + ".";
    registry.tag(prefix, "cluster", "envoy_cluster_name", clusterName);
    rqTotal = c("upstream_rq_total");
    rqRetry = c("upstream_rq_retry");
    rqRetrySuccess = c("upstream_rq_retry_success");
    rqRetryOverflow = c("upstream_rq_retry_overflow");
    rqTimeout = c("upstream_rq_timeout");
    rqPerTryTimeout = c("upstream_rq_per_try_timeout");
    rqPendingOverflow = c("upstream_rq_pending_overflow");
    rqPendingTotal = c("upstream_rq_pending_total");
    cxOverflow = c("upstream_cx_overflow");
    rqCancelled = c("upstream_rq_cancelled");
    rqRxReset = c("upstream_rq_rx_reset");
    rqTxReset = c("upstream_rq_tx_reset");
    rqActive = registry.gauge(prefix + "upstream_rq_active");
    rqPendingActive = registry.gauge(prefix + "upstream_rq_pending_active");
    cxTotal = c("upstream_cx_total");
    cxActive = registry.gauge(prefix + "upstream_cx_active");
    cxConnectFail = c("upstream_cx_connect_fail");
    cxConnectTimeout = c("upstream_cx_connect_timeout");
    cxDestroy = c("upstream_cx_destroy");
    cxTxBytes = c("upstream_cx_tx_bytes_total");
    cxRxBytes = c("upstream_cx_rx_bytes_total");
    noHealthyUpstream = c("upstream_cx_none_healthy");
    membershipChange = c("membership_change");
    membershipHealthy = registry.gauge(prefix + "membership_healthy");
    membershipTotal = registry.gauge(prefix + "membership_total");
  }

  /** cluster.<name>.ssl.connection_error: upstream TLS handshakes that failed. */
  public Counter upstreamSslConnectionError() {
    return c("ssl.connection_error");
  }

  private Counter c(String name) {
    return registry.counter(prefix + name);
  }

  /** A further counter of this cluster, {@code cluster.<name>.<rest>} (resolve once, keep it). */
  public Counter counter(String rest) {
    return c(rest);
  }

  /** A further gauge of this cluster, {@code cluster.<name>.<rest>}. */
  public Gauge gauge(String rest) {
    return registry.gauge(prefix + rest);
  }

  public StatsRegistry registry() {
    return registry;
  }

  /** Counts a response: upstream_rq_<code> and upstream_rq_<N>xx. */
  public void response(int status) {
    if (status < 100 || status > 599) return;
    Counter k = byCode.get(status);
    if (k == null) {
      k = c("upstream_rq_" + status);
      byCode.set(status, k);
    }
    k.inc();
    int cls = status / 100;
    Counter x = byClass[cls];
    if (x == null) {
      x = c("upstream_rq_" + cls + "xx");
      byClass[cls] = x;
    }
    x.inc();
  }
}
