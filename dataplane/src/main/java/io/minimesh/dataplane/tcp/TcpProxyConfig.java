package io.minimesh.dataplane.tcp;

import io.minimesh.dataplane.http.HcmConfig.AccessLogTarget;
import io.minimesh.dataplane.route.RouteTable.WeightedTarget;
import io.minimesh.dataplane.stats.StatsRegistry.Counter;
import io.minimesh.dataplane.stats.StatsRegistry.Gauge;
import java.util.List;

/** A compiled tcp_proxy filter. */
public record TcpProxyConfig(
    String statPrefix,
    List<WeightedTarget> clusters,
    int totalWeight,
    long idleTimeoutMs,
    int maxConnectAttempts,
    List<AccessLogTarget> accessLogs,
    Counter cxTotal,
    Gauge cxActive,
    Counter noRoute,
    Counter idleTimeout,
    Counter connectFail) {

  public String pickCluster(int random) {
    if (clusters.size() == 1) return clusters.get(0).cluster();
    int r = random % totalWeight;
    for (WeightedTarget t : clusters) {
      if (r < t.weight()) return t.cluster();
      r -= t.weight();
    }
    return clusters.get(clusters.size() - 1).cluster();
  }
}
