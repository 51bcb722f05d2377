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
 * detection configured (Istio's condition for locality failover), localities get priorities by how much
 * of the proxy's own locality they share: same subzone 0, zone 1, region 2, elsewhere 3 (compacted).
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
    Map<Integer, Integer> compact = new TreeMap<>();
    if (prioritized) {
      for (String loc : byLocality.keySet()) compact.put(priority(loc, failoverRegion), 0);
      int i = 0;
      for (var e : compact.entrySet()) e.setValue(i++);
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(name);
    for (var e : byLocality.entrySet()) {
      LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder().setLocality(locality(e.getKey())).addAllLbEndpoints(e.getValue());
      int weight = e.getValue().stream().mapToInt(LbEndpoint::getLoadBalancingWeight).sum();
      l.setLoadBalancingWeight(weight);
      if (prioritized) l.setPriority(compact.get(priority(e.getKey(), failoverRegion)));
      cla.addEndpoints(l);
    }
    return cla.build();
  }

  /** Same subzone 0, zone 1, region 2, the failover region of a matching localityLbSetting.failover 3, else 4. */
  private int priority(String loc, String failoverRegion) {
    String[] mine = proxy.locality().split("/", -1);
    String[] theirs = loc.split("/", -1);
    int shared = 0;
    for (int i = 0; i < Math.min(3, Math.min(mine.length, theirs.length)); i++) {
      if (!mine[i].equals(theirs[i]) || mine[i].isEmpty()) break;
      shared++;
    }
    if (shared > 0) return 3 - shared;
    return failoverRegion != null && theirs[0].equals(failoverRegion) ? 3 : 4;
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
