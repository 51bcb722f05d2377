package io.minimesh.dataplane.runtime;

import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.http.HcmConfig;
import io.minimesh.dataplane.route.RouteTable;
import io.minimesh.dataplane.stats.StatsRegistry.Counter;
import io.minimesh.dataplane.stats.StatsRegistry.Gauge;
import io.minimesh.dataplane.tcp.TcpProxyConfig;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import java.net.InetSocketAddress;
import java.util.Map;

/** The compiled form of one {@link ConfigSnapshot}: what requests read. Immutable. */
public final class RuntimeState {
  public final ConfigSnapshot snapshot;
  public final Map<String, ClusterRuntime> clusters;
  public final Map<String, RouteTable> routes;
  public final Map<String, ListenerRuntime> listeners;

  /**
   * A compiled listener: its address and the network filter (HTTP or TCP) of its first plaintext
   * chain. {@code chains}/{@code defaultChain} hold every plaintext chain for listeners that select
   * one per connection (original destination); {@code useOriginalDst} hands redirected connections
   * to the listener of their original destination, {@code readOriginalDst} only restores it.
   */
  public record ListenerRuntime(
      String name,
      InetSocketAddress address,
      boolean bindToPort,
      HcmConfig hcm,
      TcpProxyConfig tcp,
      Counter cxTotal,
      Gauge cxActive,
      io.minimesh.api.xds.v1.Listener.TrafficDirection direction,
      boolean useOriginalDst,
      boolean readOriginalDst,
      java.util.List<FilterChainRuntime> chains,
      FilterChainRuntime defaultChain) {
    public ListenerRuntime(String name, InetSocketAddress address, boolean bindToPort, HcmConfig hcm,
        TcpProxyConfig tcp, Counter cxTotal, Gauge cxActive) {
      this(name, address, bindToPort, hcm, tcp, cxTotal, cxActive,
          io.minimesh.api.xds.v1.Listener.TrafficDirection.UNSPECIFIED, false, false,
          java.util.List.of(new FilterChainRuntime("", io.minimesh.api.xds.v1.FilterChainMatch.getDefaultInstance(), hcm, tcp)),
          null);
    }
  }

  /** One compiled plaintext filter chain: its match and its network filter (HTTP or TCP). */
  public record FilterChainRuntime(
      String name, io.minimesh.api.xds.v1.FilterChainMatch match, HcmConfig hcm, TcpProxyConfig tcp) {}

  public RuntimeState(
      ConfigSnapshot snapshot,
      Map<String, ClusterRuntime> clusters,
      Map<String, RouteTable> routes,
      Map<String, ListenerRuntime> listeners) {
    this.snapshot = snapshot;
    this.clusters = Map.copyOf(clusters);
    this.routes = Map.copyOf(routes);
    this.listeners = Map.copyOf(listeners);
  }

  public ClusterRuntime cluster(String name) {
    return clusters.get(name);
  }
}
