package io.minimesh.pilot.scale;

import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.config.MeshSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The bench module's scenario-5 mesh (bench's MeshConfigGenerator), as YAML texts for in-process tests:
 * N ServiceEntries with two WorkloadEntries each; every tenth service has a VirtualService (bound to the
 * mesh and an ingress Gateway) and a DestinationRule with two subsets.
 */
public final class ScaleMesh {
  static final int PORT = 9080;

  static String host(int i) {
    return "svc-" + i + ".default.svc.cluster.local";
  }

  static String workloadIp(int service, int version) {
    return "10.%d.%d.%d".formatted(version, service / 250, 1 + service % 250);
  }

  /** The mesh of {@code services} services; {@code v1Override} (or null) replaces service 0's v1 address. */
  public static MeshSnapshot snapshot(int services, String v1Override) {
    return TestData.snapshot(docs(services, v1Override).toArray(String[]::new));
  }

  /** The same as one YAML stream; an overridden WorkloadEntry comes last, as a rewritten file would. */
  public static String yaml(int services, String v1Override) {
    List<String> docs = docs(services, v1Override);
    if (v1Override != null) {
      String edited = docs.stream().filter(d -> d.contains(v1Override)).findFirst().orElseThrow();
      docs.remove(edited);
      docs.add(edited);
    }
    return String.join("---\n", docs);
  }

  private static List<String> docs(int services, String v1Override) {
    List<String> docs = new ArrayList<>();
    docs.add("""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: bench-gw, namespace: default}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: 80, name: http, protocol: HTTP}
            hosts: ["*"]
        """);
    for (int i = 0; i < services; i++) {
      docs.add("""
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: svc-%d, namespace: default}
          spec:
            hosts: [%s]
            addresses: [240.%d.%d.%d]
            location: MESH_INTERNAL
            resolution: STATIC
            ports:
            - {number: %d, name: http, protocol: HTTP}
            workloadSelector:
              labels: {app: svc-%d}
          """.formatted(i, host(i), 10 + i / 62500, (i / 250) % 250, 1 + i % 250, PORT, i));
      String v1 = i == 0 && v1Override != null ? v1Override : workloadIp(i, 1);
      docs.add("""
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: svc-%d-v1, namespace: default}
          spec: {address: %s, labels: {app: svc-%d, version: v1}}
          ---
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: svc-%d-v2, namespace: default}
          spec: {address: %s, labels: {app: svc-%d, version: v2}}
          """.formatted(i, v1, i, i, workloadIp(i, 2), i));
      if (i % 10 == 0) {
        docs.add("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc-%d, namespace: default}
            spec:
              host: %s
              trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """.formatted(i, host(i)));
        docs.add("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc-%d, namespace: default}
            spec:
              hosts: [%s]
              gateways: [mesh, bench-gw]
              http:
              - headers:
                  request:
                    set: {x-bench-revision: "initial"}
                timeout: 5s
                route:
                - destination: {host: %s, subset: v1}
                  weight: 90
                - destination: {host: %s, subset: v2}
                  weight: 10
            """.formatted(i, host(i), host(i), host(i)));
      }
    }
    return docs;
  }

  /** A replica of service {@code svc}'s v1 workload, as bench's PilotScale connects it. */
  public static Node sidecar(int svc, int replica) {
    return Node.newBuilder().setId("svc-" + svc + "-v1-" + replica + ".default").setNamespace("default")
        .setProxyType(ProxyType.SIDECAR).putLabels("app", "svc-" + svc).putLabels("version", "v1")
        .addIpAddresses(workloadIp(svc, 1)).putMetadata("INTERCEPTION_MODE", "REDIRECT").build();
  }

  public static Node gateway(int replica) {
    return Node.newBuilder().setId("ingressgateway-" + replica + ".istio-system").setNamespace("istio-system")
        .setProxyType(ProxyType.ROUTER).putLabels("istio", "ingressgateway")
        .addIpAddresses("10.250.0." + (replica % 250)).putMetadata("port_map", "80:8080").build();
  }

  private ScaleMesh() {}
}
