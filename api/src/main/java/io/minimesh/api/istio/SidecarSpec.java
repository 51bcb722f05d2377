package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Istio Sidecar spec, every field of the v1 API. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SidecarSpec {
  public WorkloadSelector workloadSelector;
  public List<IstioIngressListener> ingress;
  public List<IstioEgressListener> egress;
  public OutboundTrafficPolicy outboundTrafficPolicy;
  public DestinationRuleSpec.ConnectionPoolSettings inboundConnectionPool;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class IstioIngressListener {
    public Port port;
    public String bind;
    /** DEFAULT | IPTABLES | NONE */
    public String captureMode;
    public String defaultEndpoint;
    public GatewaySpec.ServerTLSSettings tls;
    public DestinationRuleSpec.ConnectionPoolSettings connectionPool;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class IstioEgressListener {
    public Port port;
    public String bind;
    public String captureMode;
    /** "ns/host" entries; "./*", "*&#47;*", "~/*" */
    public List<String> hosts;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class OutboundTrafficPolicy {
    /** REGISTRY_ONLY | ALLOW_ANY */
    public String mode;
    public Destination egressProxy;
  }
}
