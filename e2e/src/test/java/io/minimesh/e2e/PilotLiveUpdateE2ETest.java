package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.Http;
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
 * A live traffic-split change under load: pilot, a router run by pilot-agent and two versions of
 * the test app, all real processes.
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
    java.util.Queue<String> failed = new java.util.concurrent.ConcurrentLinkedQueue<>();
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
            if (r.statusCode() != 200) {
              failures.incrementAndGet();
              failed.add(r.statusCode() + " " + r.body() + " " + r.headers().map());
            }
            if (edited.get()) {
              servedAfter.computeIfAbsent(r.headers().firstValue("x-served-by").orElse("?"),
                  k -> new AtomicInteger()).incrementAndGet();
            }
          } catch (Exception e) {
            failures.incrementAndGet();
            failed.add(e.toString());
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
    assertThat(failures.get()).as("requests that failed during the edit: " + failed).isZero();
    int a = servedAfter.getOrDefault("webapp-v1", new AtomicInteger()).get();
    int b = servedAfter.getOrDefault("webapp-v2", new AtomicInteger()).get();
    assertThat(b).as("v2 gets about 90%").isGreaterThan(a * 4);
    assertThat(a).as("v1 still gets some").isPositive();
  }

}
