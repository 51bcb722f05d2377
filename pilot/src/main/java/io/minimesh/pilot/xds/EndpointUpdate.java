package io.minimesh.pilot.xds;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.WorkloadInstance;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Endpoint-only pushes (Istio's incremental EDS): when nothing but workload instances changed between two
 * contexts, a proxy keeps its listeners, routes, clusters and secrets, and only the assignments of the hosts
 * whose instances changed are rebuilt, instead of translating the whole mesh again for every proxy. Falls
 * back to full generation where an instance can matter beyond EDS: a DNS cluster (its endpoints are inline)
 * or a sidecar's own inbound workloads.
 */
public final class EndpointUpdate {
  private final PushContext next;
  private final Set<String> changedHosts;
  private final List<WorkloadInstance> changedInstances;
  private final boolean beyondEds;

  private EndpointUpdate(PushContext next, Set<String> changedHosts, List<WorkloadInstance> changedInstances, boolean beyondEds) {
    this.next = next;
    this.changedHosts = changedHosts;
    this.changedInstances = changedInstances;
    this.beyondEds = beyondEds;
  }

  /** The endpoint-only change from {@code prev} to {@code next}, or null if their configs differ. */
  public static EndpointUpdate between(PushContext prev, PushContext next) {
    if (prev == next || !prev.configHash().equals(next.configHash())) return null;
    Set<String> hosts = new HashSet<>(prev.allInstances().keySet());
    hosts.addAll(next.allInstances().keySet());
    Set<String> changed = new HashSet<>();
    List<WorkloadInstance> instances = new ArrayList<>();
    for (String h : hosts) {
      List<WorkloadInstance> a = prev.instances(h);
      List<WorkloadInstance> b = next.instances(h);
      if (a.equals(b)) continue;
      changed.add(h);
      instances.addAll(a);
      instances.addAll(b);
    }
    boolean beyondEds = false;
    if (!changed.isEmpty()) {
      for (Service s : next.services()) {
        if (changed.contains(s.hostname()) && s.resolution() != Service.Resolution.STATIC && s.resolution() != Service.Resolution.NONE) beyondEds = true;
      }
    }
    return new EndpointUpdate(next, Set.copyOf(changed), List.copyOf(instances), beyondEds);
  }

  /** Hosts whose instances changed. */
  public Set<String> changedHosts() {
    return changedHosts;
  }

  /**
   * The proxy's resources in the new context, derived from {@code before}, its resources in the previous
   * one. Memoized in the new context like {@link ConfigGenerator#generate}, which gives the same result.
   */
  public ProxyResources apply(Proxy proxy, ProxyResources before) {
    return next.cached(List.of("proxy", proxy.cacheKey()), () -> {
      if (beyondEds || (!proxy.isRouter() && changedInstances.stream().anyMatch(wi -> InboundPorts.concerns(proxy, wi)))) {
        return ConfigGenerator.generate(next, proxy);
      }
      EndpointBuilder eb = new EndpointBuilder(next, proxy);
      SortedMap<String, Resource> eds = new TreeMap<>(before.of(TypeUrls.ENDPOINT));
      boolean any = false;
      for (Resource r : before.of(TypeUrls.CLUSTER).values()) {
        Cluster c = (Cluster) r.message();
        if (c.getType() != Cluster.DiscoveryType.EDS || !concerns(proxy, r.name())) continue;
        any = true;
        ClusterLoadAssignment cla = eb.forCluster(r.name());
        if (cla == null) {
          eds.remove(r.name());
        } else {
          Resource prev = eds.get(r.name());
          Resource res = next.cached(List.of("res", TypeUrls.ENDPOINT, cla), () -> Resource.of(r.name(), cla));
          if (prev == null || !Objects.equals(prev.hash(), res.hash())) eds.put(r.name(), res);
        }
      }
      return any ? before.with(TypeUrls.ENDPOINT, eds) : before;
    });
  }

  /** Whether the cluster's endpoints come from a changed host (unknown names: to be safe, yes). */
  private boolean concerns(Proxy proxy, String clusterName) {
    Names.Outbound o = Names.parseOutbound(clusterName);
    if (o == null) return true;
    Service svc = next.service(o.host(), proxy.namespace());
    return svc == null || changedHosts.contains(svc.hostname());
  }
}
