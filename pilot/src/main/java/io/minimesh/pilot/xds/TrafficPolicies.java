package io.minimesh.pilot.xds;

import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.istio.DestinationRuleSpec.TrafficPolicy;

/**
 * Istio's policy layering (its MergeTrafficPolicy): the top-level policy, then the subset's policy,
 * field by field (loadBalancer, connectionPool, outlierDetection, tls each replaced as a whole). A
 * portLevelSettings entry for the port replaces all four fields at once: port-level policies do not
 * inherit, an unset field there means the default. The top-level port-level settings apply first, the
 * subset's (on top of the subset's own fields) last.
 */
final class TrafficPolicies {
  static TrafficPolicy effective(DestinationRuleSpec dr, String subset, int port) {
    if (dr == null) return null;
    TrafficPolicy p = forPort(dr.trafficPolicy, port);
    if (subset != null && dr.subsets != null) {
      for (var s : dr.subsets) {
        if (subset.equals(s.name)) p = merge(p, s.trafficPolicy, port);
      }
    }
    return p;
  }

  private static TrafficPolicy forPort(TrafficPolicy t, int port) {
    return t == null ? null : merge(null, t, port);
  }

  private static TrafficPolicy merge(TrafficPolicy base, TrafficPolicy over, int port) {
    if (over == null) return base;
    TrafficPolicy r = base == null ? new TrafficPolicy() : copy(base);
    r.portLevelSettings = null;
    if (over.loadBalancer != null) r.loadBalancer = over.loadBalancer;
    if (over.connectionPool != null) r.connectionPool = over.connectionPool;
    if (over.outlierDetection != null) r.outlierDetection = over.outlierDetection;
    if (over.tls != null) r.tls = over.tls;
    if (over.tunnel != null) r.tunnel = over.tunnel;
    if (over.proxyProtocol != null) r.proxyProtocol = over.proxyProtocol;
    if (over.portLevelSettings != null) {
      for (var pl : over.portLevelSettings) {
        if (pl.port != null && pl.port.number != null && pl.port.number == port) {
          r.loadBalancer = pl.loadBalancer;
          r.connectionPool = pl.connectionPool;
          r.outlierDetection = pl.outlierDetection;
          r.tls = pl.tls;
          break;
        }
      }
    }
    return r;
  }

  private static TrafficPolicy copy(TrafficPolicy t) {
    TrafficPolicy r = new TrafficPolicy();
    r.loadBalancer = t.loadBalancer;
    r.connectionPool = t.connectionPool;
    r.outlierDetection = t.outlierDetection;
    r.tls = t.tls;
    r.tunnel = t.tunnel;
    r.proxyProtocol = t.proxyProtocol;
    return r;
  }

  private TrafficPolicies() {}
}
