package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.HttpbinProcess;
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
 * Issue 4: a resource the proxy rejects. Pilot validates everything it pushes, so the failure is made
 * with pilot's test hook PILOT_DEBUG_INJECT_INVALID=RDS (routes named debug-inject-invalid… get a
 * regex no engine compiles). The real router proxy NACKs the update, keeps serving its last good
 * config, and pilot's sync status (meshctl proxy-status, /debug/syncz) shows ERROR with the proxy's
 * text; removing the route brings it back to SYNCED.
 */
@MeshTest
@Requires(Prerequisite.HTTPBIN)
class PilotNackE2ETest {
  private static final String PROXY = "ingressgateway.minimesh-system";

  private static String virtualService(String badRoute) {
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
        %s  - name: good
            route:
            - destination:
                host: httpbin.default.svc.cluster.local
                port: { number: 8000 }
        """.formatted(badRoute);
  }

  private static final String BAD_ROUTE = """
        - name: debug-inject-invalid-1
          match: [{ uri: { prefix: /bad } }]
          route:
          - destination:
              host: httpbin.default.svc.cluster.local
              port: { number: 8000 }
      """;

  @Test
  void aRejectedUpdateIsNackedTheProxyKeepsServingAndSyncStatusShowsTheError(MeshProcesses mesh) {
    HttpbinProcess httpbin = mesh.httpbin();
    mesh.writeFile("config/gateway.yaml", PilotRouterE2ETest.gateway());
    mesh.writeFile("config/virtualservice.yaml", virtualService(""));
    Path dir = mesh.writeFile("config/registry.yaml", PilotRouterE2ETest.registry(httpbin.port())).getParent();
    int[] ports = Ports.free(2);
    ProcessFixture pilotProcess = mesh.start(MeshProcesses.javaSpec("pilot", "pilot", List.of(), "--config-dir", dir.toString(),
            "--bind", "127.0.0.1", "--xds-port", String.valueOf(ports[0]), "--monitoring-port", String.valueOf(ports[1]))
        .env("PILOT_DEBUG_INJECT_INVALID", "RDS")
        .readiness(Readiness.httpOk("http://127.0.0.1:" + ports[1] + "/ready"))
        .build());
    PilotProcess pilot = new PilotProcess(pilotProcess, ports[0], ports[1]);
    ProcessFixture gw = PilotRouterE2ETest.startGateway(mesh, pilot);
    String url = "http://127.0.0.1:" + gw.spec().env().get("E2E_HTTP_PORT");
    Poll.until("the gateway routes to httpbin", Duration.ofSeconds(30),
        () -> Http.get(url + "/get", "Host", "webapp.example.com").status() == 200);

    mesh.writeFile("config/virtualservice.yaml", virtualService(BAD_ROUTE));
    String[] status = new String[1];
    Poll.until("meshctl proxy-status shows the proxy's NACK of RDS", Duration.ofSeconds(30), () -> {
      CommandResult ps = mesh.meshctl("proxy-status", "--xds-address", pilot.xdsAddress());
      status[0] = ps.stdout();
      return ps.ok() && ps.stdout().contains("ERROR: ");
    });
    String line = status[0].lines().filter(l -> l.contains(PROXY)).findFirst().orElseThrow();
    assertThat(line).contains("ERROR: ").contains("invalid regex \"(unclosed\"");

    HttpResult syncz = Http.get("http://127.0.0.1:" + pilot.monitoringPort() + "/debug/syncz");
    assertThat(syncz.status()).isEqualTo(200);
    assertThat(syncz.body()).contains("\"ERROR\"").contains("invalid regex");

    // the last good routes keep serving
    assertThat(Http.get(url + "/get", "Host", "webapp.example.com").status()).isEqualTo(200);

    mesh.writeFile("config/virtualservice.yaml", virtualService(""));
    Poll.until("the proxy is SYNCED again", Duration.ofSeconds(30), () -> {
      CommandResult ps = mesh.meshctl("proxy-status", "--xds-address", pilot.xdsAddress());
      return ps.ok() && ps.stdout().contains(PROXY) && !ps.stdout().contains("ERROR") && ps.stdout().contains("SYNCED");
    });
    assertThat(Http.get(url + "/get", "Host", "webapp.example.com").status()).isEqualTo(200);
  }
}
