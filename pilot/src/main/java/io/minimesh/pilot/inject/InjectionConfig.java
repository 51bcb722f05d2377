package io.minimesh.pilot.inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Mesh-wide settings of sidecar injection (what Istio keeps in the istio-sidecar-injector ConfigMap).
 * Per-pod annotations override some of them (see {@link Injector}). Immutable; build with {@link #builder()}.
 *
 * @param proxyImage image of the proxy container (pilot-agent + dataplane)
 * @param initImage image of the init container (usually the proxy image)
 * @param agentCommand how to start pilot-agent inside those images
 * @param imagePullPolicy Always, IfNotPresent or Never
 * @param discoveryAddress pilot's xDS address as the pod sees it
 * @param proxyUid UID (and GID) the proxy runs as; its traffic is not captured
 * @param excludeInboundPorts inbound ports never captured (the agent's own ports)
 * @param excludeOutboundPorts outbound ports never captured (mesh default, pods may add more)
 * @param includeOutboundIpRanges "*" or CIDRs captured outbound
 * @param excludeOutboundIpRanges CIDRs never captured outbound
 * @param includeInboundPorts "*" or ports captured inbound
 * @param cpuRequest proxy CPU request (Kubernetes quantity), null for none
 * @param memoryRequest proxy memory request, null for none
 * @param cpuLimit proxy CPU limit, null for none
 * @param memoryLimit proxy memory limit, null for none
 * @param holdApplicationUntilProxyStarts mesh default of Istio's ProxyConfig field of that name
 * @param rewriteAppProbes send application HTTP/TCP probes through the agent (Istio's rewriteAppHTTPProbe)
 * @param logLevel proxy log level, null for the agent's default
 * @param revision shown in the status annotation
 */
public record InjectionConfig(
    String proxyImage,
    String initImage,
    List<String> agentCommand,
    String imagePullPolicy,
    String discoveryAddress,
    int proxyUid,
    List<Integer> excludeInboundPorts,
    List<Integer> excludeOutboundPorts,
    String includeOutboundIpRanges,
    String excludeOutboundIpRanges,
    String includeInboundPorts,
    String cpuRequest,
    String memoryRequest,
    String cpuLimit,
    String memoryLimit,
    boolean holdApplicationUntilProxyStarts,
    boolean rewriteAppProbes,
    String logLevel,
    String revision) {

  public static final String DEFAULT_PROXY_IMAGE = "minimesh/proxy:0.1.0";
  public static final String DEFAULT_DISCOVERY_ADDRESS = "minimesh-pilot.minimesh-system.svc:15010";

  public InjectionConfig {
    requireText(proxyImage, "proxyImage");
    requireText(initImage, "initImage");
    agentCommand = List.copyOf(agentCommand);
    if (agentCommand.isEmpty()) throw new IllegalArgumentException("InjectionConfig.agentCommand: must not be empty");
    if (!List.of("Always", "IfNotPresent", "Never").contains(imagePullPolicy)) {
      throw new IllegalArgumentException("InjectionConfig.imagePullPolicy: \"" + imagePullPolicy
          + "\" is not one of Always, IfNotPresent, Never");
    }
    requireText(discoveryAddress, "discoveryAddress");
    int colon = discoveryAddress.lastIndexOf(':');
    if (colon <= 0 || !discoveryAddress.substring(colon + 1).matches("\\d{1,5}")) {
      throw new IllegalArgumentException("InjectionConfig.discoveryAddress: \"" + discoveryAddress
          + "\" is not HOST:PORT");
    }
    if (proxyUid < 1) throw new IllegalArgumentException("InjectionConfig.proxyUid: must be > 0, got " + proxyUid);
    excludeInboundPorts = ports("excludeInboundPorts", excludeInboundPorts);
    excludeOutboundPorts = ports("excludeOutboundPorts", excludeOutboundPorts);
    includeOutboundIpRanges = Objects.requireNonNullElse(includeOutboundIpRanges, "*");
    excludeOutboundIpRanges = Objects.requireNonNullElse(excludeOutboundIpRanges, "");
    includeInboundPorts = Objects.requireNonNullElse(includeInboundPorts, "*");
    revision = Objects.requireNonNullElse(revision, "default");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: Istio's injection template values, pilot in minimesh-system. */
  public static InjectionConfig defaults() {
    return builder().build();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.proxyImage = proxyImage;
    b.initImage = initImage;
    b.agentCommand = agentCommand;
    b.imagePullPolicy = imagePullPolicy;
    b.discoveryAddress = discoveryAddress;
    b.proxyUid = proxyUid;
    b.excludeInboundPorts = excludeInboundPorts;
    b.excludeOutboundPorts = excludeOutboundPorts;
    b.includeOutboundIpRanges = includeOutboundIpRanges;
    b.excludeOutboundIpRanges = excludeOutboundIpRanges;
    b.includeInboundPorts = includeInboundPorts;
    b.cpuRequest = cpuRequest;
    b.memoryRequest = memoryRequest;
    b.cpuLimit = cpuLimit;
    b.memoryLimit = memoryLimit;
    b.holdApplicationUntilProxyStarts = holdApplicationUntilProxyStarts;
    b.rewriteAppProbes = rewriteAppProbes;
    b.logLevel = logLevel;
    b.revision = revision;
    return b;
  }

  private static void requireText(String s, String field) {
    if (s == null || s.isBlank()) throw new IllegalArgumentException("InjectionConfig." + field + ": is required");
  }

  private static List<Integer> ports(String field, List<Integer> ports) {
    List<Integer> out = new ArrayList<>();
    for (Integer p : ports) {
      if (p == null || p < 1 || p > 65535) {
        throw new IllegalArgumentException("InjectionConfig." + field + ": " + p + " is not a port 1-65535");
      }
      out.add(p);
    }
    return List.copyOf(out);
  }

  /** Builder with Istio's defaults. */
  public static final class Builder {
    private String proxyImage = DEFAULT_PROXY_IMAGE;
    private String initImage;
    private List<String> agentCommand = List.of("pilot-agent");
    private String imagePullPolicy = "IfNotPresent";
    private String discoveryAddress = DEFAULT_DISCOVERY_ADDRESS;
    private int proxyUid = 1337;
    private List<Integer> excludeInboundPorts = List.of(15090, 15021, 15020);
    private List<Integer> excludeOutboundPorts = List.of();
    private String includeOutboundIpRanges = "*";
    private String excludeOutboundIpRanges = "";
    private String includeInboundPorts = "*";
    private String cpuRequest = "100m";
    private String memoryRequest = "128Mi";
    private String cpuLimit = "2000m";
    private String memoryLimit = "1024Mi";
    private boolean holdApplicationUntilProxyStarts;
    private boolean rewriteAppProbes = true;
    private String logLevel;
    private String revision = "default";

    private Builder() {}

    /** Also the init image unless {@link #initImage} is set. */
    public Builder proxyImage(String v) { proxyImage = v; return this; }
    public Builder initImage(String v) { initImage = v; return this; }
    public Builder agentCommand(List<String> v) { agentCommand = v; return this; }
    public Builder imagePullPolicy(String v) { imagePullPolicy = v; return this; }
    public Builder discoveryAddress(String v) { discoveryAddress = v; return this; }
    public Builder proxyUid(int v) { proxyUid = v; return this; }
    public Builder excludeInboundPorts(List<Integer> v) { excludeInboundPorts = v; return this; }
    public Builder excludeOutboundPorts(List<Integer> v) { excludeOutboundPorts = v; return this; }
    public Builder includeOutboundIpRanges(String v) { includeOutboundIpRanges = v; return this; }
    public Builder excludeOutboundIpRanges(String v) { excludeOutboundIpRanges = v; return this; }
    public Builder includeInboundPorts(String v) { includeInboundPorts = v; return this; }
    public Builder cpuRequest(String v) { cpuRequest = v; return this; }
    public Builder memoryRequest(String v) { memoryRequest = v; return this; }
    public Builder cpuLimit(String v) { cpuLimit = v; return this; }
    public Builder memoryLimit(String v) { memoryLimit = v; return this; }
    public Builder holdApplicationUntilProxyStarts(boolean v) { holdApplicationUntilProxyStarts = v; return this; }
    public Builder rewriteAppProbes(boolean v) { rewriteAppProbes = v; return this; }
    public Builder logLevel(String v) { logLevel = v; return this; }
    public Builder revision(String v) { revision = v; return this; }

    public InjectionConfig build() {
      return new InjectionConfig(proxyImage, initImage == null ? proxyImage : initImage, agentCommand,
          imagePullPolicy, discoveryAddress, proxyUid, excludeInboundPorts, excludeOutboundPorts,
          includeOutboundIpRanges, excludeOutboundIpRanges, includeInboundPorts, cpuRequest, memoryRequest,
          cpuLimit, memoryLimit, holdApplicationUntilProxyStarts, rewriteAppProbes, logLevel, revision);
    }
  }
}
