package io.minimesh.pilot.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.istio.DestinationRuleSpec.TrafficPolicy;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.Endpoint;
import io.minimesh.api.xds.v1.HealthStatus;
import io.minimesh.api.xds.v1.LbEndpoint;
import io.minimesh.api.xds.v1.Locality;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.pilot.model.Labels;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.ServicePort;
import io.minimesh.pilot.model.WorkloadInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * EDS: ClusterLoadAssignments grouped by locality, subsets selected by endpoint labels. With outlier
 * detection configured (Istio's condition for locality failover) and no distribute rule, localities get
 * priorities by how much of the proxy's own locality they share (Istio's LbPriority and failover rules,
 * or failoverPriority labels), compacted to 0..n.
 */
final class EndpointBuilder {
  private final PushContext ctx;
  private final Proxy proxy;

  EndpointBuilder(PushContext ctx, Proxy proxy) {
    this.ctx = ctx;
    this.proxy = proxy;
  }

  /** The assignment for an EDS cluster name, or null if the cluster does not exist. */
  ClusterLoadAssignment forCluster(String name) {
    OutboundTarget t = OutboundTarget.resolve(ctx, proxy, name);
    if (t == null) return null;
    boolean prioritized = failover(t.trafficPolicy());
    Object key = List.of("eds", name, t.inputsKey(), prioritized ? proxy.locality() : "");
    return ctx.cached(key, () -> assignment(name, t.service(), t.port(), t.subsetLabels(), t.trafficPolicy()));
  }

  private boolean failover(TrafficPolicy tp) {
    if (tp == null || tp.outlierDetection == null || proxy.locality().isEmpty()) return false;
    var lb = tp.loadBalancer;
    if (lb != null && lb.localityLbSetting != null) {
      if (Boolean.FALSE.equals(lb.localityLbSetting.enabled)) return false;
      if (lb.localityLbSetting.distribute != null && !lb.localityLbSetting.distribute.isEmpty()) return false;
    }
    return true;
  }

  ClusterLoadAssignment assignment(String name, Service svc, ServicePort sp, Map<String, String> subsetLabels, TrafficPolicy tp) {
    Map<String, List<LbEndpoint>> byLocality = new TreeMap<>();
    for (WorkloadInstance wi : ctx.instances(svc.hostname())) {
      if (subsetLabels != null && !Labels.subsetOf(subsetLabels, wi.labels())) continue;
      Struct.Builder md = Struct.newBuilder();
      new TreeMap<>(wi.labels()).forEach((k, v) -> md.putFields(k, Value.newBuilder().setStringValue(v).build()));
      LbEndpoint ep = LbEndpoint.newBuilder()
          .setEndpoint(Endpoint.newBuilder().setAddress(ListenerBuilder.address(wi.address(), wi.portFor(sp))))
          .setHealthStatus(wi.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
          .setLoadBalancingWeight(wi.weight())
          .setMetadata(md)
          .build();
      byLocality.computeIfAbsent(wi.locality(), k -> new ArrayList<>()).add(ep);
    }
    boolean prioritized = failover(tp);
    String failoverRegion = failoverTarget(tp);
    List<String> failoverPriority = tp == null || tp.loadBalancer == null || tp.loadBalancer.localityLbSetting == null
        ? null : tp.loadBalancer.localityLbSetting.failoverPriority;
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(name);
    if (prioritized && failoverPriority != null && !failoverPriority.isEmpty()) {
      return byLabelPriority(cla, byLocality, failoverPriority);
    }
    Map<Integer, Integer> compact = new TreeMap<>();
    if (prioritized) {
      for (String loc : byLocality.keySet()) compact.put(priority(loc, failoverRegion), 0);
      int i = 0;
      for (var e : compact.entrySet()) e.setValue(i++);
    }
    for (var e : byLocality.entrySet()) {
      LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder().setLocality(locality(e.getKey())).addAllLbEndpoints(e.getValue());
      int weight = e.getValue().stream().mapToInt(LbEndpoint::getLoadBalancingWeight).sum();
      l.setLoadBalancingWeight(weight);
      if (prioritized) l.setPriority(compact.get(priority(e.getKey(), failoverRegion)));
      cla.addEndpoints(l);
    }
    return cla.build();
  }

  /**
   * Istio's failoverPriority: an endpoint's priority is the number of leading labels of the list on
   * which it does not agree with the proxy (topology region/zone/subzone labels read the localities),
   * compacted so priorities have no gaps.
   */
  private ClusterLoadAssignment byLabelPriority(ClusterLoadAssignment.Builder cla, Map<String, List<LbEndpoint>> byLocality,
      List<String> labels) {
    Map<String, String> mine = new TreeMap<>(proxy.labels());
    topologyLabels(proxy.locality(), mine);
    Map<Integer, Map<String, List<LbEndpoint>>> groups = new TreeMap<>();
    for (var e : byLocality.entrySet()) {
      for (LbEndpoint ep : e.getValue()) {
        Map<String, String> theirs = new TreeMap<>();
        ep.getMetadata().getFieldsMap().forEach((k, v) -> theirs.put(k, v.getStringValue()));
        topologyLabels(e.getKey(), theirs);
        int matched = 0;
        for (String l : labels) {
          String a = mine.get(l);
          if (a == null || !a.equals(theirs.get(l))) break;
          matched++;
        }
        groups.computeIfAbsent(labels.size() - matched, k -> new TreeMap<>()).computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(ep);
      }
    }
    int prio = 0;
    for (var g : groups.values()) {
      for (var e : g.entrySet()) {
        int weight = e.getValue().stream().mapToInt(LbEndpoint::getLoadBalancingWeight).sum();
        cla.addEndpoints(LocalityLbEndpoints.newBuilder().setLocality(locality(e.getKey())).addAllLbEndpoints(e.getValue())
            .setLoadBalancingWeight(weight).setPriority(prio));
      }
      prio++;
    }
    return cla.build();
  }

  private static void topologyLabels(String loc, Map<String, String> out) {
    String[] p = loc.split("/", -1);
    if (p.length > 0 && !p[0].isEmpty()) out.putIfAbsent("topology.kubernetes.io/region", p[0]);
    if (p.length > 1 && !p[1].isEmpty()) out.putIfAbsent("topology.kubernetes.io/zone", p[1]);
    if (p.length > 2 && !p[2].isEmpty()) out.putIfAbsent("topology.istio.io/subzone", p[2]);
  }

  /**
   * Istio's LbPriority: same region, zone and subzone 0; same region and zone 1; same region 2; other
   * regions 3, or 4 when a failover rule for the proxy's region names another target region.
   */
  private int priority(String loc, String failoverRegion) {
    String[] mine = parts(proxy.locality());
    String[] theirs = parts(loc);
    if (mine[0].equals(theirs[0])) {
      if (mine[1].equals(theirs[1])) return mine[2].equals(theirs[2]) ? 0 : 1;
      return 2;
    }
    if (failoverRegion != null && !theirs[0].equals(failoverRegion)) return 4;
    return 3;
  }

  private static String[] parts(String loc) {
    String[] p = loc.split("/", -1);
    return new String[] {p.length > 0 ? p[0] : "", p.length > 1 ? p[1] : "", p.length > 2 ? p[2] : ""};
  }

  /** The region traffic fails over to from the proxy's region, per localityLbSetting.failover. */
  private String failoverTarget(TrafficPolicy tp) {
    if (tp == null || tp.loadBalancer == null || tp.loadBalancer.localityLbSetting == null) return null;
    var rules = tp.loadBalancer.localityLbSetting.failover;
    if (rules == null) return null;
    String region = proxy.locality().split("/", -1)[0];
    for (var r : rules) if (region.equals(r.from)) return r.to;
    return null;
  }

  static Locality locality(String loc) {
    String[] p = loc.split("/", -1);
    Locality.Builder b = Locality.newBuilder();
    if (p.length > 0) b.setRegion(p[0]);
    if (p.length > 1) b.setZone(p[1]);
    if (p.length > 2) b.setSubZone(p[2]);
    return b.build();
  }

  /** Istio locality patterns: "region/zone/subzone" with "*" for any trailing part. */
  static boolean localityMatches(String pattern, String loc) {
    String[] p = pattern.split("/", -1);
    String[] l = loc.split("/", -1);
    for (int i = 0; i < p.length; i++) {
      if (p[i].equals("*")) return true;
      if (i >= l.length || !p[i].equals(l[i])) return false;
    }
    return true;
  }
}
