package io.minimesh.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a pilot config directory for scenario 5: N services, each a ServiceEntry with two
 * WorkloadEntries (v1, v2); every tenth service also has a VirtualService (90/10 split, bound to the
 * mesh and to one ingress Gateway) and a DestinationRule with the two subsets. One file per resource
 * group, so an edit touches one file as an operator's {@code kubectl apply} would.
 */
final class MeshConfigGenerator {
  static final int PORT = 9080;
  static final String NS = "default";

  private final Path dir;
  private final int services;

  MeshConfigGenerator(Path dir, int services) {
    this.dir = dir;
    this.services = services;
  }

  static String host(int i) {
    return "svc-" + i + "." + NS + ".svc.cluster.local";
  }

  /** Services with a VirtualService and a DestinationRule. */
  static boolean routed(int i) {
    return i % 10 == 0;
  }

  void writeAll() throws IOException {
    Files.createDirectories(dir);
    write("gateway.yaml", """
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
      write("se-" + i + ".yaml", serviceEntry(i, host(i)));
      writeWorkloads(i, workloadIp(i, 1));
      if (routed(i)) {
        write("dr-" + i + ".yaml", """
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
        writeVirtualService(i, "initial");
      }
    }
  }

  static String workloadIp(int service, int version) {
    return "10.%d.%d.%d".formatted(version, service / 250, 1 + service % 250);
  }

  private static String serviceEntry(int i, String host) {
    return """
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
        """.formatted(i, host, 10 + i / 62500, (i / 250) % 250, 1 + i % 250, PORT, i);
  }

  /** Both workloads of service i; v1 at the given address. */
  void writeWorkloads(int i, String v1Address) throws IOException {
    write("we-" + i + ".yaml", """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: svc-%d-v1, namespace: default}
        spec: {address: %s, labels: {app: svc-%d, version: v1}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: svc-%d-v2, namespace: default}
        spec: {address: %s, labels: {app: svc-%d, version: v2}}
        """.formatted(i, v1Address, i, i, workloadIp(i, 2), i));
  }

  /** The VirtualService of service i; {@code revision} lands in a request header the RDS carries. */
  void writeVirtualService(int i, String revision) throws IOException {
    write("vs-" + i + ".yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc-%d, namespace: default}
        spec:
          hosts: [%s]
          gateways: [mesh, bench-gw]
          http:
          - headers:
              request:
                set: {x-bench-revision: "%s"}
            timeout: 5s
            route:
            - destination: {host: %s, subset: v1}
              weight: 90
            - destination: {host: %s, subset: v2}
              weight: 10
        """.formatted(i, host(i), revision, host(i), host(i)));
  }

  /** A mesh-wide change: one more service every proxy learns of (clusters, endpoints, routes). */
  void writeExtraService(int i, String host) throws IOException {
    write("se-extra-" + i + ".yaml", serviceEntry(services + i, host));
  }

  /** Atomic replace: pilot never reads a half-written file. */
  private void write(String name, String content) throws IOException {
    Path tmp = dir.resolve("." + name + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
