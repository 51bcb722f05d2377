package io.minimesh.dataplane.upstream.internal;

import io.minimesh.dataplane.upstream.lb.LbContext;
import io.minimesh.dataplane.upstream.lb.LbHost;
import io.minimesh.dataplane.upstream.lb.LoadBalancer;
import java.util.List;

/**
 * Smooth weighted round robin over the healthy hosts (all hosts when none is healthy: Envoy's
 * panic mode). Stand-in until the load-balancer package lands. Not thread-safe: one per loop.
 */
public final class SimpleRoundRobin implements LoadBalancer {
  private final LbHost[] hosts;
  private final int[] current;

  public SimpleRoundRobin(List<? extends LbHost> all) {
    List<? extends LbHost> healthy = all.stream().filter(LbHost::healthy).toList();
    List<? extends LbHost> use = healthy.isEmpty() ? all : healthy;
    this.hosts = use.toArray(new LbHost[0]);
    this.current = new int[hosts.length];
  }

  @Override
  public LbHost pick(LbContext context) {
    if (hosts.length == 0) return null;
    if (hosts.length == 1) return hosts[0];
    int total = 0;
    int best = -1;
    for (int i = 0; i < hosts.length; i++) {
      int w = hosts[i].weight();
      current[i] += w;
      total += w;
      if (best < 0 || current[i] > current[best]) best = i;
    }
    current[best] -= total;
    LbHost chosen = hosts[best];
    if (context.shouldAvoid(chosen)) {
      for (int i = 1; i < hosts.length; i++) {
        LbHost alt = hosts[(best + i) % hosts.length];
        if (!context.shouldAvoid(alt)) return alt;
      }
    }
    return chosen;
  }
}
