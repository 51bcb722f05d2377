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
  private final ClusterShared shared;
  private final int loops;
  private volatile HostSet hostSet;
  private volatile io.minimesh.dataplane.tls.UpstreamTls tls;

  /** An immutable list of hosts plus lazily built per-loop load balancers. */
  public static final class HostSet {
    public final List<HostImpl> hosts;
    private final LoadBalancer[] perLoop;
    private final int generation;

    HostSet(List<HostImpl> hosts, int loops, int generation) {
      this.hosts = List.copyOf(hosts);
      this.perLoop = new LoadBalancer[Math.max(1, loops)];
      this.generation = generation;
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
      int loops,
      ClusterShared shared) {
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
    this.shared = shared;
    this.loops = loops;
    this.originalDst = OriginalDstHosts.of(proto);
    this.upstreamBindAddress = OriginalDstHosts.bindAddress(proto);
    shared.breakers().publish(maxConnections, maxPendingRequests, maxRequests, maxRetries);
    this.hostSet = new HostSet(hosts, loops, shared.health().generation());
    stats.membershipTotal.set(hostSet.hosts.size());
    stats.membershipHealthy.set(hostSet.healthyCount());
  }

  /** Upstream TLS origination (transport_socket.upstream_tls), or null for plaintext. */
  public io.minimesh.dataplane.tls.UpstreamTls tls() {
    return tls;
  }

  /** Set once by the compiler, before the cluster is published. */
  public void setTls(io.minimesh.dataplane.tls.UpstreamTls tls) {
    this.tls = tls;
  }

  /**
   * Takes a retry slot if fewer than {@code limit} retries are in flight (the max_retries circuit
   * breaker, or a retry budget's limit computed by the caller); pair with {@link #releaseRetry()}.
   */
  public boolean tryAcquireRetry(long limit) {
    return shared.breakers().retries.tryAcquire((int) Math.min(Integer.MAX_VALUE, limit));
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
    HostSet hs = new HostSet(hosts, loops, shared.health().generation());
    this.hostSet = hs;
    stats.membershipTotal.set(hs.hosts.size());
    stats.membershipHealthy.set(hs.healthyCount());
    if (environment != null) shared.health().update(proto, hs.hosts, environment);
  }

  private volatile ClusterHealth.Environment environment;

  /**
   * This cluster is now the applied one: start or update its outlier detection and health checks
   * in {@code env} (the proxy's event loop and probes). Called by the runtime after the swap.
   */
  public void activate(ClusterHealth.Environment env) {
    this.environment = env;
    shared.health().update(proto, hostSet.hosts, env);
  }

  /** The cluster was removed from the config. */
  public void deactivate() {
    shared.health().close();
  }

  /** The load balancer of loop {@code loopIndex} for the current host set; only that loop calls this. */
  public LoadBalancer loadBalancer(int loopIndex) {
    HostSet hs = hostSet;
    int gen = shared.health().generation();
    if (hs.generation != gen) {
      // A host's health changed: every loop rebuilds its balancer once (races only cost a rebuild).
      hs = new HostSet(hs.hosts, loops, gen);
      hostSet = hs;
    }
    int i = Math.floorMod(loopIndex, hs.perLoop.length);
    LoadBalancer lb = hs.perLoop[i];
    if (lb == null) {
      lb = LbFactory.create(proto, hs.hosts, localLocality, new SplittableRandom());
      hs.perLoop[i] = lb;
    }
    return lb;
  }

  // ---- circuit breakers (cluster-wide, default priority) ----

  public CircuitBreakerState breakers() {
    return shared.breakers();
  }

  /** Counts one more active request unless max_requests is reached (then the caller answers 503 UO). */
  public boolean tryAcquireRequest() {
    if (shared.breakers().requests.tryAcquire(maxRequests)) return true;
    stats.rqPendingOverflow.inc(); // Envoy counts max_requests overflow here too
    return false;
  }

  public void releaseRequest() {
    shared.breakers().requests.release(maxRequests);
  }

  /**
   * Starts a retry unless max_retries retries are already in flight for this cluster (then counts
   * {@code upstream_rq_retry_overflow} and the caller returns the response it has). Pair a
   * successful call with {@link #releaseRetry()} when the retried attempt ends.
   */
  public boolean tryAcquireRetry() {
    if (shared.breakers().retries.tryAcquire(maxRetries)) return true;
    stats.rqRetryOverflow.inc();
    return false;
  }

  public void releaseRetry() {
    shared.breakers().retries.release(maxRetries);
  }

  // ---- outlier detection feed (any event loop) ----

  /** An upstream response's status from {@code host}. */
  public void reportResponse(HostImpl host, int status) {
    shared.health().reportStatus(host, status);
  }

  /** The proxy could not reach {@code host}: connect failure, reset before a response, or timeout. */
  public void reportLocalFailure(HostImpl host, io.minimesh.dataplane.upstream.outlier.OutlierDetector.LocalOriginFailure f) {
    shared.health().reportLocalFailure(host, f);
  }

  /** A connection to {@code host} was established. */
  public void reportConnected(HostImpl host) {
    shared.health().reportConnected(host);
  }
}
