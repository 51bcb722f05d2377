package io.minimesh.dataplane.upstream;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.Locality;
import io.minimesh.dataplane.stats.ClusterStats;
import io.minimesh.dataplane.upstream.lb.LoadBalancer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A compiled cluster: immutable settings plus the current host set, which DNS refreshes may
 * replace. Load balancers are built per event loop and per host set.
 */
public final class ClusterRuntime {
  public final String name;
  public final Cluster proto;
  public final ClusterStats stats;
  public final long connectTimeoutMs;
  public final boolean http2;
  public final int maxRequestsPerConnection;
  public final long idleTimeoutMs;
  public final int maxConnections;
  public final int maxPendingRequests;
  public final int maxRequests;
  public final int maxRetries;
  /** Non-null for ORIGINAL_DST clusters: hosts come from each connection's original destination. */
  public final OriginalDstHosts originalDst;
  /** upstream_bind_config's source address, or null. */
  public final java.net.InetSocketAddress upstreamBindAddress;
  private final Locality localLocality;
  private volatile HostSet hostSet;

  /** An immutable list of hosts plus lazily built per-loop load balancers. */
  public static final class HostSet {
    public final List<HostImpl> hosts;
    private final LoadBalancer[] perLoop;

    HostSet(List<HostImpl> hosts, int loops) {
      this.hosts = List.copyOf(hosts);
      this.perLoop = new LoadBalancer[Math.max(1, loops)];
    }

    public int healthyCount() {
      int n = 0;
      for (HostImpl h : hosts) if (h.healthy()) n++;
      return n;
    }
  }

  public ClusterRuntime(
      Cluster proto,
      ClusterStats stats,
      long connectTimeoutMs,
      int maxConnections,
      int maxPendingRequests,
      int maxRequests,
      int maxRetries,
      Locality localLocality,
      List<HostImpl> hosts,
      int loops) {
    this.name = proto.getName();
    this.proto = proto;
    this.stats = stats;
    this.connectTimeoutMs = connectTimeoutMs;
    this.http2 =
        proto.getUpstreamProtocol() == Cluster.UpstreamProtocol.HTTP2 || proto.hasHttp2ProtocolOptions();
    this.maxRequestsPerConnection = proto.getMaxRequestsPerConnection();
    this.idleTimeoutMs =
        proto.hasIdleTimeout()
            ? proto.getIdleTimeout().getSeconds() * 1000 + proto.getIdleTimeout().getNanos() / 1_000_000
            : 3_600_000;
    this.maxConnections = maxConnections;
    this.maxPendingRequests = maxPendingRequests;
    this.maxRequests = maxRequests;
    this.maxRetries = maxRetries;
    this.localLocality = localLocality;
    this.originalDst = OriginalDstHosts.of(proto);
    this.upstreamBindAddress = OriginalDstHosts.bindAddress(proto);
    setHosts(hosts, loops);
  }

  /** Whether a request goes upstream over HTTP/2 (USE_DOWNSTREAM follows the downstream protocol). */
  public boolean usesHttp2(boolean downstreamHttp2) {
    return http2
        || (downstreamHttp2 && proto.getUpstreamProtocol() == Cluster.UpstreamProtocol.USE_DOWNSTREAM);
  }

  public HostSet hostSet() {
    return hostSet;
  }

  /** Replaces the hosts (DNS refresh). Safe from any thread: loops pick up the new set on their next request. */
  public void setHosts(List<HostImpl> hosts, int loops) {
    HostSet hs = new HostSet(hosts, loops);
    this.hostSet = hs;
    stats.membershipTotal.set(hs.hosts.size());
    stats.membershipHealthy.set(hs.healthyCount());
  }

  /** The load balancer of loop {@code loopIndex} for the current host set; only that loop calls this. */
  public LoadBalancer loadBalancer(int loopIndex) {
    HostSet hs = hostSet;
    int i = Math.floorMod(loopIndex, hs.perLoop.length);
    LoadBalancer lb = hs.perLoop[i];
    if (lb == null) {
      lb = LbFactory.create(proto, hs.hosts, localLocality, new SplittableRandom());
      hs.perLoop[i] = lb;
    }
    return lb;
  }
}
