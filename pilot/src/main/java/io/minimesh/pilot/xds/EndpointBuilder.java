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
import io.minimesh.pilot.config.ConfigResource;
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
    Names.Outbound o = Names.parseOutbound(name);
    if (o == null) return null;
    Service svc = ctx.service(o.host(), proxy.namespace());
    if (svc == null) return null;
    ServicePort sp = svc.port(o.port()).orElse(null);
    if (sp == null) return null;
    ConfigResource dr = ctx.destinationRule(svc.hostname(), proxy.namespace(), svc.namespace());
    DestinationRuleSpec drs = dr == null ? null : dr.spec(DestinationRuleSpec.class);
    Map<String, String> labels = null;
    if (o.subset() != null) {
      if (drs == null || drs.subsets == null) return null;
      var s = drs.subsets.stream().filter(x -> o.subset().equals(x.name)).findFirst().orElse(null);
      if (s == null) return null;
      labels = s.labels == null ? Map.of() : s.labels;
    }
    TrafficPolicy tp = TrafficPolicies.effective(drs, o.subset(), o.port());
    boolean prioritized = failover(tp);
    Object key = List.of("eds", name, dr == null ? "" : dr.key().toString(), prioritized ? proxy.locality() : "");
    Map<String, String> l = labels;
    return ctx.cached(key, () -> assignment(name, svc, sp, l, tp));
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
    Map<Integer, Integer> compact = new TreeMap<>();
    if (prioritized) {
      for (String loc : byLocality.keySet()) compact.put(priority(loc), 0);
      int i = 0;
      for (var e : compact.entrySet()) e.setValue(i++);
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(name);
    for (var e : byLocality.entrySet()) {
      LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder().setLocality(locality(e.getKey())).addAllLbEndpoints(e.getValue());
      int weight = e.getValue().stream().mapToInt(LbEndpoint::getLoadBalancingWeight).sum();
      l.setLoadBalancingWeight(weight);
      if (prioritized) l.setPriority(compact.get(priority(e.getKey())));
      cla.addEndpoints(l);
    }
    return cla.build();
  }

  private int priority(String loc) {
    String[] mine = proxy.locality().split("/", -1);
    String[] theirs = loc.split("/", -1);
    int shared = 0;
    for (int i = 0; i < Math.min(3, Math.min(mine.length, theirs.length)); i++) {
      if (!mine[i].equals(theirs[i]) || mine[i].isEmpty()) break;
      shared++;
    }
    return 3 - shared;
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
