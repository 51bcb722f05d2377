package io.minimesh.dataplane.runtime;

import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.http.HcmConfig;
import io.minimesh.dataplane.listener.FilterChainSelector;
import io.minimesh.dataplane.listener.ListenerChain;
import io.minimesh.dataplane.listener.ListenerStats;
import io.minimesh.dataplane.route.RouteTable;
import io.minimesh.dataplane.stats.StatsRegistry.Counter;
import io.minimesh.dataplane.stats.StatsRegistry.Gauge;
import io.minimesh.dataplane.tcp.TcpProxyConfig;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/** The compiled form of one {@link ConfigSnapshot}: what requests read. Immutable. */
public final class RuntimeState {
  public final ConfigSnapshot snapshot;
  public final Map<String, ClusterRuntime> clusters;
  public final Map<String, RouteTable> routes;
  public final Map<String, ListenerRuntime> listeners;

  /**
   * A compiled listener: its address and all its filter chains ({@code chains} selects one per
   * connection). {@code hcm}/{@code tcp} are those of the chain a plaintext connection without
   * SNI gets, kept for code that only knows single-chain listeners. {@code useOriginalDst} hands
   * connections redirected by iptables to the listener of their original destination;
   * {@code readOriginalDst} only restores that destination (the original_dst listener filter).
   */
  public record ListenerRuntime(
      String name,
      InetSocketAddress address,
      boolean bindToPort,
      HcmConfig hcm,
      TcpProxyConfig tcp,
      Counter cxTotal,
      Gauge cxActive,
      FilterChainSelector<ListenerChain> chains,
      boolean inspectTls,
      ListenerStats stats,
      io.minimesh.api.xds.v1.Listener.TrafficDirection direction,
      boolean useOriginalDst,
      boolean readOriginalDst) {

    /** The chain with {@code key} (see {@link ListenerChain#key}), or null. */
    public ListenerChain chain(String key) {
      List<ListenerChain> all = chains.chains(); // per request (the connection manager's config): no iterator
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).key().equals(key)) return all.get(i);
      }
      ListenerChain d = chains.defaultChain();
      return d != null && d.key().equals(key) ? d : null;
    }
  }

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
