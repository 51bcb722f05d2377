package io.minimesh.meshctl.internal.demo;

import java.util.List;

/**
 * Where the full local mesh puts everything: one loopback address per workload (Linux routes all of
 * 127.0.0.0/8 to lo, no root needed), so every proxy keeps Istio's standard ports. See docs/local-mode.md.
 */
public record MeshLayout(
    String pilotIp, int xdsPort, int pilotMonitoringPort, String gatewayIp, int gatewayHttpPort, List<Workload> workloads) {

  /** A workload: app and sidecar share its "pod IP". */
  public record Workload(String name, String service, String version, String ip) {
    public String id() {
      return name + "." + NAMESPACE;
    }
  }

  public static final String NAMESPACE = "demo";
  public static final String GATEWAY_ID = "ingressgateway.minimesh-system";
  public static final String GATEWAY_HOST = "webapp.example.com";
  /** Application port, sidecar inbound port (the endpoint other proxies dial), sidecar outbound port. */
  public static final int APP_PORT = 8080;
  public static final int INBOUND_PORT = 9080;
  public static final int OUTBOUND_PORT = 15001;
  public static final int SERVICE_PORT = 80;
  public static final int ADMIN_PORT = 15000;
  public static final int STATUS_PORT = 15021;
  public static final int METRICS_PORT = 15020;

  public static MeshLayout standard() {
    return new MeshLayout(
        "127.0.0.1", 15010, 15014, "127.0.0.2", 8080,
        List.of(
            new Workload("webapp", "webapp", "v1", "127.0.0.10"),
            new Workload("catalog-v1", "catalog", "v1", "127.0.0.11"),
            new Workload("catalog-v2", "catalog", "v2", "127.0.0.12")));
  }

  public String xdsAddress() {
    return pilotIp + ":" + xdsPort;
  }

  public static String fqdn(String service) {
    return service + "." + NAMESPACE + ".svc.cluster.local";
  }
}
