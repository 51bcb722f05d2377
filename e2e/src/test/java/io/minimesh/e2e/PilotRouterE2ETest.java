package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.HttpbinProcess;
import io.minimesh.e2e.harness.Jars;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.PilotProcess;
import io.minimesh.e2e.harness.Poll;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.Prerequisite;
import io.minimesh.e2e.harness.ProcessFixture;
import io.minimesh.e2e.harness.Readiness;
import io.minimesh.e2e.harness.Requires;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio YAML in a config directory → pilot → xDS → a router proxy run by pilot-agent → httpbin.
 * Every component is a real process; they talk only over xDS and HTTP.
 */
@MeshTest
@Requires(Prerequisite.HTTPBIN)
class PilotRouterE2ETest {

  static String gateway() {
    return """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: webapp-gateway
          namespace: default
        spec:
          selector:
            istio: ingressgateway
          servers:
          - port: { number: 80, name: http, protocol: HTTP }
            hosts: ["webapp.example.com"]
        """;
  }

  static String virtualService(String extra) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: webapp
          namespace: default
        spec:
          hosts: ["webapp.example.com"]
          gateways: ["webapp-gateway"]
          http:
          - route:
            - destination:
                host: httpbin.default.svc.cluster.local
                port: { number: 8000 }
        %s""".formatted(extra);
  }

  static String registry(int httpbinPort) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: httpbin
          namespace: default
        spec:
          hosts: ["httpbin.default.svc.cluster.local"]
          location: MESH_INTERNAL
          ports:
          - { number: 8000, name: http, protocol: HTTP, targetPort: %d }
          resolution: STATIC
          workloadSelector:
            labels: { app: httpbin }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: httpbin-1
          namespace: default
        spec:
          address: 127.0.0.1
          labels: { app: httpbin, version: v1 }
        """.formatted(httpbinPort);
  }

  private record Mesh(PilotProcess pilot, ProcessFixture gateway, String gatewayUrl, Path configDir, int adminPort) {}

  private static Mesh start(MeshProcesses mesh, HttpbinProcess httpbin) {
    mesh.writeFile("config/gateway.yaml", gateway());
    mesh.writeFile("config/virtualservice.yaml", virtualService(""));
    Path dir = mesh.writeFile("config/registry.yaml", registry(httpbin.port())).getParent();
    PilotProcess pilot = mesh.pilot(dir);
    ProcessFixture gw = startGateway(mesh, pilot);
    return new Mesh(pilot, gw, "http://127.0.0.1:" + gw.spec().env().get("E2E_HTTP_PORT"), dir,
        Integer.parseInt(gw.spec().env().get("E2E_ADMIN_PORT")));
  }

  static ProcessFixture startGateway(MeshProcesses mesh, PilotProcess pilot) {
    int[] p = Ports.free(4);
    String proxyCommand = String.join(" ", Jars.javaCommand("dataplane", List.of("-Xmx128m"), List.of()));
    return mesh.start(MeshProcesses.javaSpec("gateway", "pilot-agent", List.of(),
            "proxy", "router", "--discovery-address", pilot.xdsAddress(),
            "--id", "ingressgateway.minimesh-system", "--labels", "istio=ingressgateway",
            "--port-map", "80:" + p[0], "--admin-port", String.valueOf(p[1]),
            "--status-port", String.valueOf(p[2]), "--metrics-port", String.valueOf(p[3]),
            "--proxy-command", proxyCommand)
        .env("E2E_HTTP_PORT", String.valueOf(p[0]))
        .env("E2E_ADMIN_PORT", String.valueOf(p[1]))
        .readiness(Readiness.httpOk("http://127.0.0.1:" + p[2] + "/healthz/ready"))
        .startTimeout(Duration.ofSeconds(90))
        .build());
  }

  @Test
  void routesTheGatewayHostToHttpbinAndOthersTo404(MeshProcesses mesh) {
    Mesh m = start(mesh, mesh.httpbin());
    HttpResult ok = Http.get(m.gatewayUrl() + "/headers", "Host", "webapp.example.com");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().get("headers").get("Host").asText()).isEqualTo("webapp.example.com");
    assertThat(Http.get(m.gatewayUrl() + "/headers", "Host", "other.example.com").status()).isEqualTo(404);
  }

  @Test
  void editingTheVirtualServiceChangesBehaviourLive(MeshProcesses mesh) {
    Mesh m = start(mesh, mesh.httpbin());
    assertThat(Http.get(m.gatewayUrl() + "/delay/2", "Host", "webapp.example.com").status()).isEqualTo(200);

    mesh.writeFile("config/virtualservice.yaml", virtualService("    timeout: 1s\n"));
    Poll.until("the 1 s timeout applies", Duration.ofSeconds(20),
        () -> Http.get(m.gatewayUrl() + "/delay/2", "Host", "webapp.example.com").status() == 504);
  }

  @Test
  void anInvalidVirtualServiceIsRejectedAndTrafficIsUnaffected(MeshProcesses mesh) {
    Mesh m = start(mesh, mesh.httpbin());
    mesh.writeFile("config/bad.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: broken
          namespace: default
        spec:
          hosts: ["webapp.example.com"]
          gateways: ["coolstore-gateway"]
          http:
          - match:
            - uri: { regex: "([unclosed" }
            route:
            - destination: { host: httpbin.default.svc.cluster.local }
        """);
    Poll.until("pilot reports the broken VirtualService", Duration.ofSeconds(20),
        () -> m.pilot().process().logText().contains("broken"));
    assertThat(m.pilot().process().logText()).contains("VirtualService default/broken");
    assertThat(Http.get(m.gatewayUrl() + "/get", "Host", "webapp.example.com").status()).isEqualTo(200);
    assertThat(m.pilot().process().isAlive()).isTrue();
  }

  @Test
  void trafficFlowsWithoutPilotAndProxiesResyncWhenItReturns(MeshProcesses mesh) {
    Mesh m = start(mesh, mesh.httpbin());
    m.pilot().process().terminate();
    m.pilot().process().awaitExit(Duration.ofSeconds(20));
    assertThat(Http.get(m.gatewayUrl() + "/get", "Host", "webapp.example.com").status()).isEqualTo(200);

    // Same xDS port, so the proxy's reconnect loop finds it.
    int monitoring = Ports.free();
    mesh.start(MeshProcesses.javaSpec("pilot-2", "pilot", List.of(), "--config-dir", m.configDir().toString(),
            "--bind", "127.0.0.1", "--xds-port", String.valueOf(m.pilot().xdsPort()),
            "--monitoring-port", String.valueOf(monitoring))
        .readiness(Readiness.httpOk("http://127.0.0.1:" + monitoring + "/ready"))
        .build());
    String xds = m.pilot().xdsAddress();
    Poll.until("the gateway is SYNCED with the new pilot", Duration.ofSeconds(60), () -> {
      CommandResult ps = mesh.meshctl("proxy-status", "--xds-address", xds);
      return ps.ok() && ps.stdout().contains("ingressgateway.minimesh-system")
          && !ps.stdout().contains("NOT SENT") && !ps.stdout().contains("STALE") && ps.stdout().contains("SYNCED");
    });
    assertThat(Http.get(m.gatewayUrl() + "/get", "Host", "webapp.example.com").status()).isEqualTo(200);
  }
}
