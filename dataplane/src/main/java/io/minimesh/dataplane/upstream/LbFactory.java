package io.minimesh.dataplane.upstream;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.Locality;
import io.minimesh.dataplane.upstream.lb.LoadBalancers;
import io.minimesh.dataplane.upstream.lb.LbHost;
import io.minimesh.dataplane.upstream.lb.LoadBalancer;
import java.util.List;
import java.util.random.RandomGenerator;

/** The one place the router's load balancers are built (per event loop, per host set). */
public final class LbFactory {
  private LbFactory() {}

  public static LoadBalancer create(
      Cluster cluster, List<? extends LbHost> hosts, Locality local, RandomGenerator random) {
    return LoadBalancers.create(cluster, hosts, local, random);
  }
}
