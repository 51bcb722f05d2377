package io.minimesh.dataplane.upstream;

import io.minimesh.dataplane.stats.ClusterStats;

/**
 * The live state of a cluster that outlives one compiled config: circuit breaker counts and
 * health (outlier detection, active health checks). The compiler keeps one per cluster name.
 */
public record ClusterShared(CircuitBreakerState breakers, ClusterHealth health) {
  public static ClusterShared create(String clusterName, ClusterStats stats) {
    return new ClusterShared(
        new CircuitBreakerState(stats.registry(), clusterName), new ClusterHealth(clusterName, stats));
  }
}
