package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.PilotProcess;
import io.minimesh.e2e.harness.Poll;
import io.minimesh.e2e.harness.ProcessFixture;
import io.minimesh.e2e.harness.TestAppProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Live config changes under load, and a push the proxy rejects: pilot, a router run by
 * pilot-agent and two versions of the test app, all real processes.
 */
@MeshTest
class PilotLiveUpdateE2ETest {

  static String config(int v1Port, int v2Port, int weightV1, int weightV2) {
    return PilotRouterE2ETest.gateway() + """
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: webapp, namespace: default }
        spec:
          hosts: ["webapp.example.com"]
          gateways: ["webapp-gateway"]
          http:
          - route:
            - destination: { host: webapp.default.svc.cluster.local, subset: v1, port: { number: 80 } }
              weight: %d
            - destination: { host: webapp.default.svc.cluster.local, subset: v2, port: { number: 80 } }
              weight: %d
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: webapp, namespace: default }
        spec:
          host: webapp.default.svc.cluster.local
          subsets:
          - { name: v1, labels: { version: v1 } }
          - { name: v2, labels: { version: v2 } }
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: webapp, namespace: default }
        spec:
          hosts: ["webapp.default.svc.cluster.local"]
          location: MESH_INTERNAL
          ports: [{ number: 80, name: http, protocol: HTTP }]
          resolution: STATIC
          workloadSelector: { labels: { app: webapp } }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: webapp-v1, namespace: default }
        spec: { address: 127.0.0.1, labels: { app: webapp, version: v1 }, ports: { http: %d } }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: webapp-v2, namespace: default }
        spec: { address: 127.0.0.1, labels: { app: webapp, version: v2 }, ports: { http: %d } }
        """.formatted(weightV1, weightV2, v1Port, v2Port);
  }

  @Test
  void aTrafficSplitEditAppliesWithinASecondWithoutDroppingRequests(MeshProcesses mesh) throws Exception {
    TestAppProcess v1 = mesh.testapp("webapp-v1");
    TestAppProcess v2 = mesh.testapp("webapp-v2");
    mesh.writeFile("config/mesh.yaml", config(v1.httpPort(), v2.httpPort(), 100, 0));
    PilotProcess pilot = mesh.pilot(mesh.files().resolve("config"));
    ProcessFixture gw = PilotRouterE2ETest.startGateway(mesh, pilot);
    String url = "http://127.0.0.1:" + gw.spec().env().get("E2E_HTTP_PORT") + "/get";
    assertThat(Http.get(url, "Host", "webapp.example.com").header("x-served-by")).hasValue("webapp-v1");

    // A concurrent load runs through the edit; every one of its requests must succeed.
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    Map<String, AtomicInteger> servedAfter = new ConcurrentHashMap<>();
    AtomicBoolean edited = new AtomicBoolean();
    Thread[] load = new Thread[4];
    for (int i = 0; i < load.length; i++) {
      load[i] = new Thread(() -> {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Host", "webapp.example.com")
            .timeout(Duration.ofSeconds(10)).build();
        while (running.get()) {
          try {
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) failures.incrementAndGet();
            if (edited.get()) {
              servedAfter.computeIfAbsent(r.headers().firstValue("x-served-by").orElse("?"),
                  k -> new AtomicInteger()).incrementAndGet();
            }
          } catch (Exception e) {
            failures.incrementAndGet();
          }
        }
      });
      load[i].start();
    }
    try {
      long t0 = System.nanoTime();
      mesh.writeFile("config/mesh.yaml", config(v1.httpPort(), v2.httpPort(), 10, 90));
      Poll.until("v2 serves after the edit", Duration.ofSeconds(10),
          () -> "webapp-v2".equals(Http.get(url, "Host", "webapp.example.com").header("x-served-by").orElse("")));
      Duration converged = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(converged).isLessThan(Duration.ofSeconds(1));
      edited.set(true);
      Poll.until("200 requests after the edit", Duration.ofSeconds(30),
          () -> servedAfter.values().stream().mapToInt(AtomicInteger::get).sum() >= 200);
    } finally {
      running.set(false);
      for (Thread t : load) t.join(20_000);
    }
    assertThat(failures.get()).as("requests that failed during the edit").isZero();
    int a = servedAfter.getOrDefault("webapp-v1", new AtomicInteger()).get();
    int b = servedAfter.getOrDefault("webapp-v2", new AtomicInteger()).get();
    assertThat(b).as("v2 gets about 90%").isGreaterThan(a * 4);
    assertThat(a).as("v1 still gets some").isPositive();
  }

  @Test
  void aPushTheProxyRejectsIsNackedShownAsErrorAndTrafficContinues(MeshProcesses mesh) {
    TestAppProcess v1 = mesh.testapp("webapp-v1");
    mesh.writeFile("config/mesh.yaml", config(v1.httpPort(), v1.httpPort(), 100, 0));
    PilotProcess pilot = mesh.pilot(mesh.files().resolve("config"));
    ProcessFixture gw = PilotRouterE2ETest.startGateway(mesh, pilot);
    String url = "http://127.0.0.1:" + gw.spec().env().get("E2E_HTTP_PORT") + "/get";
    assertThat(Http.get(url, "Host", "webapp.example.com").status()).isEqualTo(200);

    // Valid Istio that this proxy build cannot run yet (TLS termination): pilot pushes it, the
    // proxy NACKs it with its reason and keeps its last good listeners.
    mesh.writeFile("config/tls.yaml", """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: secure, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: 443, name: https, protocol: HTTPS }
            hosts: ["webapp.example.com"]
            tls: { mode: SIMPLE, credentialName: webapp-cert }
        ---
        apiVersion: v1
        kind: Secret
        metadata: { name: webapp-cert, namespace: default }
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
        %s
          tls.key: |
        %s
        """.formatted(indent(TestCerts.CERT), indent(TestCerts.KEY)));
    Poll.until("proxy-status shows the NACK", Duration.ofSeconds(30), () -> {
      CommandResult ps = mesh.meshctl("proxy-status", "--xds-address", pilot.xdsAddress());
      return ps.stdout().contains("ERROR:");
    });
    CommandResult ps = mesh.meshctl("proxy-status", "--xds-address", pilot.xdsAddress());
    assertThat(ps.stdout()).contains("ingressgateway.minimesh-system").containsPattern("ERROR: .*TLS");
    HttpResult still = Http.get(url, "Host", "webapp.example.com");
    assertThat(still.status()).isEqualTo(200);
  }

  private static String indent(String pem) {
    return pem.strip().lines().map(l -> "            " + l).reduce((x, y) -> x + "\n" + y).orElse("");
  }
}
