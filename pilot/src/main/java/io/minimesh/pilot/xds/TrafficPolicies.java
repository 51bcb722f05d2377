package io.minimesh.pilot.xds;

import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.istio.DestinationRuleSpec.TrafficPolicy;

/**
 * Istio's policy layering: port-level settings override the top-level policy for that port, and a
 * subset's policy (with its own port-level settings) overrides the result; each of loadBalancer,
 * connectionPool, outlierDetection and tls is replaced as a whole.
 */
final class TrafficPolicies {
  static TrafficPolicy effective(DestinationRuleSpec dr, String subset, int port) {
    if (dr == null) return null;
    TrafficPolicy p = forPort(dr.trafficPolicy, port);
    if (subset != null && dr.subsets != null) {
      for (var s : dr.subsets) {
        if (subset.equals(s.name)) p = merge(p, forPort(s.trafficPolicy, port));
      }
    }
    return p;
  }

  private static TrafficPolicy forPort(TrafficPolicy t, int port) {
    if (t == null) return null;
    TrafficPolicy r = copy(t);
    if (t.portLevelSettings != null) {
      for (var pl : t.portLevelSettings) {
        if (pl.port != null && pl.port.number != null && pl.port.number == port) {
          if (pl.loadBalancer != null) r.loadBalancer = pl.loadBalancer;
          if (pl.connectionPool != null) r.connectionPool = pl.connectionPool;
          if (pl.outlierDetection != null) r.outlierDetection = pl.outlierDetection;
          if (pl.tls != null) r.tls = pl.tls;
        }
      }
    }
    return r;
  }

  private static TrafficPolicy merge(TrafficPolicy base, TrafficPolicy over) {
    if (over == null) return base;
    if (base == null) return over;
    TrafficPolicy r = copy(base);
    if (over.loadBalancer != null) r.loadBalancer = over.loadBalancer;
    if (over.connectionPool != null) r.connectionPool = over.connectionPool;
    if (over.outlierDetection != null) r.outlierDetection = over.outlierDetection;
    if (over.tls != null) r.tls = over.tls;
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
