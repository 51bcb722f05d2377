package io.minimesh.dataplane.upstream;

import io.minimesh.api.xds.v1.Locality;
import io.minimesh.dataplane.upstream.lb.LbHost;
import java.net.InetSocketAddress;

/** One endpoint of a cluster. Identity and health are fixed; request counts are live. */
public final class HostImpl implements LbHost {
  private final InetSocketAddress address;
  private final String hostname;
  private final int weight;
  private final Locality locality;
  private final int priority;
  private final boolean healthy;
  private final String healthStatus;
  final HostStats stats;
  private final int healthCheckPort;

  public HostImpl(
      InetSocketAddress address,
      String hostname,
      int weight,
      Locality locality,
      int priority,
      boolean healthy,
      String healthStatus,
      HostStats stats) {
    this(address, hostname, weight, locality, priority, healthy, healthStatus, stats, 0);
  }

  /** @param healthCheckPort the endpoint's {@code health_check_config.port_value}, 0 for its own port */
  public HostImpl(
      InetSocketAddress address,
      String hostname,
      int weight,
      Locality locality,
      int priority,
      boolean healthy,
      String healthStatus,
      HostStats stats,
      int healthCheckPort) {
    this.healthCheckPort = healthCheckPort;
    this.address = address;
    this.hostname = hostname;
    this.weight = Math.max(1, weight);
    this.locality = locality;
    this.priority = priority;
    this.healthy = healthy;
    this.healthStatus = healthStatus;
    this.stats = stats;
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  public String hostname() {
    return hostname;
  }

  @Override
  public int weight() {
    return weight;
  }

  @Override
  public Locality locality() {
    return locality;
  }

  @Override
  public int priority() {
    return priority;
  }

  /**
   * Usable: EDS health is HEALTHY/UNKNOWN/DEGRADED, not ejected by outlier detection and not failing
   * active health checks. Load balancers read this when they are built; {@link ClusterHealth}
   * makes every loop rebuild them when a flag changes.
   */
  @Override
  public boolean healthy() {
    return healthy && !stats.outlierEjected && !stats.activeHcFailed;
  }

  /** Healthy as far as EDS says ({@code health_status}). */
  public boolean edsHealthy() {
    return healthy;
  }

  /** Where active health checks connect. */
  public InetSocketAddress healthCheckAddress() {
    return healthCheckPort == 0 ? address : new InetSocketAddress(address.getAddress(), healthCheckPort);
  }

  /**
   * Envoy's {@code health_flags} text for /clusters: {@code healthy} or the failure flags, e.g.
   * {@code /failed_active_hc/failed_outlier_check}.
   */
  public String healthFlags() {
    StringBuilder b = new StringBuilder();
    if (stats.activeHcFailed) b.append("/failed_active_hc");
    if (stats.outlierEjected) b.append("/failed_outlier_check");
    if (!healthy) b.append("/failed_eds_health");
    return b.length() == 0 ? "healthy" : b.toString();
  }

  /** EDS health status name ("HEALTHY", "UNHEALTHY", ...). */
  public String healthStatus() {
    return healthStatus;
  }

  @Override
  public int activeRequests() {
    return stats.rqActive.get();
  }

  public HostStats stats() {
    return stats;
  }

  /** "ip:port" as Envoy prints upstream hosts. */
  public String addressString() {
    return address.getAddress() == null
        ? address.getHostString() + ":" + address.getPort()
        : address.getAddress().getHostAddress() + ":" + address.getPort();
  }

  @Override
  public String toString() {
    return addressString();
  }
}
