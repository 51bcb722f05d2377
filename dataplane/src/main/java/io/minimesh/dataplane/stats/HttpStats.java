package io.minimesh.dataplane.stats;

import io.minimesh.dataplane.stats.StatsRegistry.Counter;
import io.minimesh.dataplane.stats.StatsRegistry.Gauge;

/** Pre-resolved counters of one HTTP connection manager ({@code http.<stat_prefix>.*}). */
public final class HttpStats {
  public final Counter rqTotal;
  public final Gauge rqActive;
  public final Counter cxTotal;
  public final Gauge cxActive;
  public final Counter cxHttp1Total;
  public final Counter cxHttp2Total;
  public final Counter rqTimeout;
  public final Counter rqIdleTimeout;
  public final Counter headersTimeout;
  public final Counter idleTimeout;
  public final Counter cxProtocolError;
  public final Counter noRoute;
  public final Counter rqDirectResponse;
  public final Counter rqRedirect;
  public final Counter cxDestroyRemoteActiveRq;
  public final Counter cxRxBytes;
  public final Counter cxTxBytes;
  private final Counter[] byClass = new Counter[6];

  public HttpStats(StatsRegistry r, String statPrefix) {
    String p = "http." + statPrefix + ".";
    r.tag(p, "http", "envoy_http_conn_manager_prefix", statPrefix);
    rqTotal = r.counter(p + "downstream_rq_total");
    rqActive = r.gauge(p + "downstream_rq_active");
    cxTotal = r.counter(p + "downstream_cx_total");
    cxActive = r.gauge(p + "downstream_cx_active");
    cxHttp1Total = r.counter(p + "downstream_cx_http1_total");
    cxHttp2Total = r.counter(p + "downstream_cx_http2_total");
    rqTimeout = r.counter(p + "downstream_rq_timeout");
    rqIdleTimeout = r.counter(p + "downstream_rq_idle_timeout");
    headersTimeout = r.counter(p + "downstream_rq_header_timeout");
    idleTimeout = r.counter(p + "downstream_cx_idle_timeout");
    cxProtocolError = r.counter(p + "downstream_cx_protocol_error");
    noRoute = r.counter(p + "no_route");
    rqDirectResponse = r.counter(p + "rq_direct_response");
    rqRedirect = r.counter(p + "rq_redirect");
    cxDestroyRemoteActiveRq = r.counter(p + "downstream_cx_destroy_remote_active_rq");
    cxRxBytes = r.counter(p + "downstream_cx_rx_bytes_total");
    cxTxBytes = r.counter(p + "downstream_cx_tx_bytes_total");
    for (int i = 1; i <= 5; i++) byClass[i] = r.counter(p + "downstream_rq_" + i + "xx");
  }

  public void response(int status) {
    int cls = status / 100;
    if (cls >= 1 && cls <= 5) byClass[cls].inc();
  }
}
