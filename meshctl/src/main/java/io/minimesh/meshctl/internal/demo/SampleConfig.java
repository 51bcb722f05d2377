package io.minimesh.meshctl.internal.demo;

import io.minimesh.meshctl.MeshctlException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The full demo's Istio configuration, written as plain Istio YAML into the directory pilot watches:
 * the user edits these files to change the live mesh. Services are ServiceEntries with WorkloadEntries
 * (no Kubernetes); Sidecars with captureMode NONE bind each proxy's listeners on its workload address.
 */
public final class SampleConfig {
  /** File name → YAML, in the order they are written. */
  public static Map<String, String> files(MeshLayout layout) {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("gateway.yaml", gateway());
    for (String service : services(layout)) {
      List<String> docs = new ArrayList<>();
      docs.add(serviceEntry(service));
      List<MeshLayout.Workload> ws = layout.workloads().stream().filter(w -> w.service().equals(service)).toList();
      for (MeshLayout.Workload w : ws) {
        docs.add(workloadEntry(w));
        docs.add(sidecar(w));
      }
      if (ws.size() > 1) {
        docs.add(destinationRule(service, ws));
      }
      files.put(service + ".yaml", String.join("---\n", docs));
    }
    return files;
  }

  public static List<Path> write(Path dir, MeshLayout layout) {
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (var e : files(layout).entrySet()) {
        Path f = dir.resolve(e.getKey());
        Files.writeString(f, e.getValue());
        written.add(f);
      }
    } catch (IOException e) {
      throw new MeshctlException("cannot write the sample config into " + dir + ": " + e.getMessage());
    }
    return written;
  }

  static List<String> services(MeshLayout layout) {
    return layout.workloads().stream().map(MeshLayout.Workload::service).distinct().toList();
  }

  static String gateway() {
    String catalog = MeshLayout.fqdn("catalog");
    String webapp = MeshLayout.fqdn("webapp");
    return """
        # The ingress gateway: port 80 (bound on 8080 by the router's --port-map 80:8080).
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: demo-gateway
          namespace: %1$s
        spec:
          selector:
            istio: ingressgateway
          servers:
          - port:
              number: 80
              name: http
              protocol: HTTP
            hosts:
            - "%2$s"
        ---
        # /catalog/… goes to catalog, split 80/20 between v1 and v2, with a 2 s timeout; the rest to webapp.
        # Edit the weights or the timeout and watch `meshctl proxy-status`.
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: webapp
          namespace: %1$s
        spec:
          hosts:
          - "%2$s"
          gateways:
          - demo-gateway
          http:
          - name: catalog
            match:
            - uri:
                prefix: /catalog/
            rewrite:
              uri: /
            timeout: 2s
            route:
            - destination:
                host: %3$s
                subset: v1
              weight: 80
            - destination:
                host: %3$s
                subset: v2
              weight: 20
          - name: webapp
            route:
            - destination:
                host: %4$s
                port:
                  number: %5$d
        """
        .formatted(MeshLayout.NAMESPACE, MeshLayout.GATEWAY_HOST, catalog, webapp, MeshLayout.SERVICE_PORT);
  }

  static String serviceEntry(String service) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          hosts:
          - %3$s
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - number: %4$d
            name: http
            protocol: HTTP
            targetPort: %5$d
          workloadSelector:
            labels:
              app: %1$s
        """
        .formatted(service, MeshLayout.NAMESPACE, MeshLayout.fqdn(service), MeshLayout.SERVICE_PORT, MeshLayout.INBOUND_PORT);
  }

  static String workloadEntry(MeshLayout.Workload w) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          address: %3$s
          labels:
            app: %4$s
            version: %5$s
        """
        .formatted(w.name(), MeshLayout.NAMESPACE, w.ip(), w.service(), w.version());
  }

  static String sidecar(MeshLayout.Workload w) {
    return """
        # No iptables here: the sidecar binds its listeners on the workload's address (captureMode NONE).
        # Inbound %3$s:%4$d → the app on %3$s:%5$d (0.0.0.0 in defaultEndpoint: the workload address); the app reaches other services through %3$s:%6$d
        # (an HTTP proxy routing by Host).
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          workloadSelector:
            labels:
              app: %7$s
              version: %8$s
          ingress:
          - port:
              number: %4$d
              protocol: HTTP
              name: http
            bind: %3$s
            defaultEndpoint: 0.0.0.0:%5$d
            captureMode: NONE
          egress:
          - port:
              number: %6$d
              protocol: HTTP
              name: egress-http
            bind: %3$s
            captureMode: NONE
            hosts:
            - "%2$s/*"
        """
        .formatted(
            w.name(), MeshLayout.NAMESPACE, w.ip(), MeshLayout.INBOUND_PORT, MeshLayout.APP_PORT,
            MeshLayout.OUTBOUND_PORT, w.service(), w.version());
  }

  static String destinationRule(String service, List<MeshLayout.Workload> workloads) {
    StringBuilder subsets = new StringBuilder();
    for (MeshLayout.Workload w : workloads) {
      subsets.append("  - name: ").append(w.version()).append('\n')
          .append("    labels:\n")
          .append("      version: ").append(w.version()).append('\n');
    }
    return """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          host: %3$s
          subsets:
        %4$s"""
        .formatted(service, MeshLayout.NAMESPACE, MeshLayout.fqdn(service), subsets);
  }

  private SampleConfig() {}
}
