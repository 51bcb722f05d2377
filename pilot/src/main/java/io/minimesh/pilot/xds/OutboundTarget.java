package io.minimesh.pilot.xds;

import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.istio.DestinationRuleSpec.TrafficPolicy;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.ServicePort;
import java.util.Map;

/**
 * What an outbound cluster name ({@code outbound|<port>|<subset>|<fqdn>}) stands for, as seen by
 * one proxy: the service and port, the DestinationRule that applies, the subset's labels (null
 * without a subset) and the effective traffic policy. Clusters and their endpoints both start here.
 */
record OutboundTarget(String subset, Service service, ServicePort port, ConfigResource destinationRule,
    Map<String, String> subsetLabels, TrafficPolicy trafficPolicy) {

  /** Null when the name is not an outbound cluster or its service, port or subset does not exist. */
  static OutboundTarget resolve(PushContext ctx, Proxy proxy, String name) {
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
    return new OutboundTarget(o.subset(), svc, sp, dr, labels, TrafficPolicies.effective(drs, o.subset(), o.port()));
  }

  /** Cache-key part naming the inputs that decide this target's resources. */
  String inputsKey() {
    return String.valueOf(service.source()) + "|" + (destinationRule == null ? "" : destinationRule.key().toString());
  }
}
