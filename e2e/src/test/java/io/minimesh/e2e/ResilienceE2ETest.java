package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Poll;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.TestAppProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Upstream resilience through the real proxy (Envoy YAML bootstrap) against real upstreams:
 * circuit breakers, outlier detection and zone-aware routing with active health checks. Each test
 * makes the failure happen.
 */
@MeshTest
class ResilienceE2ETest {

  private static String endpoint(int port) {
    return "            - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }\n"
        .formatted(port);
  }

  /** An HTTP listener with a file access log ("code flags upstream") and the given route lines. */
  private static String listener(String name, int port, String statPrefix, String accessLog, String routes) {
    return """
          - name: %s
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: %s
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: %s
                      log_format: { text_format_source: { inline_string: "%%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%UPSTREAM_HOST%%\\n" } }
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
        %s
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        """.formatted(name, port, statPrefix, accessLog, routes);
  }

  private static ProxyProcess proxy(MeshProcesses mesh, String name, int adminPort, String node, String listeners,
      String clusters) {
    String config = """
        %s
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        static_resources:
          listeners:
        %s
          clusters:
        %s""".formatted(node, adminPort, listeners, clusters);
    Path file = mesh.writeFile(name + ".yaml", config);
    // One event loop: round robin is exact and cluster limits are not widened per loop.
    return mesh.meshProxy(name, file, adminPort, "--concurrency", "1");
  }

  @Test
  void maxConnectionsAndPendingRequestsOverflowWith503Uo(MeshProcesses mesh) throws Exception {
    TestAppProcess app = mesh.testapp("slow");
    int[] ports = Ports.free(2);
    Path log = mesh.files().resolve("cb-access.log");
    String listeners = listener("cb", ports[0], "cb", log.toString(),
        "              - { match: { prefix: \"/\" }, route: { cluster: slow, timeout: 30s } }");
    String clusters = """
          - name: slow
            connect_timeout: 1s
            type: STATIC
            circuit_breakers:
              thresholds:
              - priority: DEFAULT
                max_connections: 1
                max_pending_requests: 1
            load_assignment:
              cluster_name: slow
              endpoints:
              - lb_endpoints:
        """ + endpoint(app.httpPort());
    ProxyProcess proxy = proxy(mesh, "cb-proxy", ports[1], "", listeners, clusters);

    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      calls.add(client.sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[0] + "/delay/2"))
              .timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int overflow = 0;
    for (var c : calls) {
      HttpResponse<String> r = c.get();
      if (r.statusCode() == 200) {
        ok++;
      } else {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-envoy-overloaded")).hasValue("true");
        assertThat(r.body()).contains("reset reason: overflow");
        overflow++;
      }
    }
    // One request on the one connection and one pending succeed; the rest overflow.
    assertThat(ok).isGreaterThanOrEqualTo(2);
    assertThat(overflow).isGreaterThanOrEqualTo(1);
    assertThat(ok + overflow).isEqualTo(10);
    Map<String, Long> stats = proxy.admin().stats();
    assertThat(stats.get("cluster.slow.upstream_rq_pending_overflow")).isEqualTo(overflow);
    assertThat(stats.get("cluster.slow.upstream_cx_overflow")).isGreaterThanOrEqualTo(overflow);
    assertThat(stats.get("cluster.slow.upstream_cx_total")).isEqualTo(1);
    int finalOverflow = overflow;
    Poll.until("the access log shows the UO responses", Duration.ofSeconds(10), () ->
        Files.exists(log) && Files.readAllLines(log).stream().filter(l -> l.startsWith("503 UO")).count()
            == finalOverflow);
  }

  @Test
  void anEndpointAnswering500IsEjectedGetsNoTrafficAndComesBack(MeshProcesses mesh) throws Exception {
    TestAppProcess a = mesh.testapp("good-a");
    TestAppProcess b = mesh.testapp("good-b");
    int[] ports = Ports.free(3); // front listener, broken listener, admin
    Path log = mesh.files().resolve("od-access.log");
    Path badLog = mesh.files().resolve("od-bad.log");
    String listeners = listener("front", ports[0], "front", log.toString(),
        "              - { match: { prefix: \"/\" }, route: { cluster: backend } }")
        // The third endpoint is a real HTTP server that answers every request with 500.
        + listener("broken", ports[1], "broken", badLog.toString(),
        "              - { match: { prefix: \"/\" }, direct_response: { status: 500, body: { inline_string: \"broken\" } } }");
    String clusters = """
          - name: backend
            connect_timeout: 1s
            type: STATIC
            lb_policy: ROUND_ROBIN
            outlier_detection:
              consecutive_5xx: 3
              interval: 1s
              base_ejection_time: 12s
              max_ejection_percent: 100
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
        """ + endpoint(a.httpPort()) + endpoint(b.httpPort()) + endpoint(ports[1]);
    ProxyProcess proxy = proxy(mesh, "od-proxy", ports[2], "", listeners, clusters);
    String url = "http://127.0.0.1:" + ports[0] + "/get";
    String badHost = "backend::127.0.0.1:" + ports[1] + "::health_flags::";

    // Round robin over three hosts: the broken one sees its third 500 within nine requests.
    int failures = 0;
    for (int i = 0; i < 9; i++) {
      if (Http.get(url).status() == 500) failures++;
    }
    assertThat(failures).isEqualTo(3);
    assertThat(proxy.admin().get("/clusters").body()).contains(badHost + "/failed_outlier_check");
    assertThat(proxy.admin().stat("cluster.backend.outlier_detection.ejections_active")).isEqualTo(1);
    assertThat(proxy.admin().stat("cluster.backend.outlier_detection.ejections_enforced_total")).isEqualTo(1);
    assertThat(proxy.admin().stat("cluster.backend.outlier_detection.ejections_enforced_consecutive_5xx"))
        .isEqualTo(1);
    // While ejected the broken endpoint receives nothing.
    long brokenBefore = proxy.admin().stat("http.broken.downstream_rq_total");
    Map<String, Integer> served = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      HttpResult r = Http.get(url);
      assertThat(r.status()).isEqualTo(200);
      served.merge(r.header("x-served-by").orElseThrow(), 1, Integer::sum);
    }
    assertThat(served).containsOnlyKeys("good-a", "good-b");
    assertThat(proxy.admin().stat("http.broken.downstream_rq_total")).isEqualTo(brokenBefore);

    var json = proxy.admin().get("/clusters?format=json").json();
    long failedInJson = 0;
    for (var c : json.path("cluster_statuses")) {
      for (var h : c.path("host_statuses")) {
        if (h.path("health_status").path("failed_outlier_check").asBoolean(false)) {
          failedInJson++;
          assertThat(h.path("address").path("socket_address").path("port_value").asInt()).isEqualTo(ports[1]);
        }
      }
    }
    assertThat(failedInJson).isEqualTo(1);
    CommandResult table = mesh.meshctl("proxy-config", "endpoints", "--admin-address",
        "127.0.0.1:" + ports[2], "--cluster", "backend");
    table.assertOk();
    assertThat(table.stdout()).containsPattern("127\\.0\\.0\\.1:" + ports[1] + "\\s+HEALTHY\\s+FAILED\\s+backend");

    // After base_ejection_time (12 s) the next interval sweep brings it back.
    Poll.until("the ejected host returns", Duration.ofSeconds(30),
        () -> proxy.admin().get("/clusters").body().contains(badHost + "healthy"));
    assertThat(proxy.admin().stat("cluster.backend.outlier_detection.ejections_active")).isZero();
    int sawBroken = 0;
    for (int i = 0; i < 3; i++) {
      if (Http.get(url).status() == 500) sawBroken++;
    }
    assertThat(sawBroken).as("the returned host takes traffic again").isEqualTo(1);
  }

  @Test
  void trafficStaysInTheProxysZoneAndFailsOverWhenTheZoneDies(MeshProcesses mesh) {
    TestAppProcess a1 = mesh.testapp("zone-a-1");
    TestAppProcess a2 = mesh.testapp("zone-a-2");
    TestAppProcess b1 = mesh.testapp("zone-b-1");
    TestAppProcess b2 = mesh.testapp("zone-b-2");
    int[] ports = Ports.free(2);
    Path log = mesh.files().resolve("zone-access.log");
    String listeners = listener("zone", ports[0], "zone", log.toString(),
        "              - { match: { prefix: \"/\" }, route: { cluster: zoned } }");
    String clusters = """
          - name: zoned
            connect_timeout: 0.5s
            type: STATIC
            common_lb_config:
              zone_aware_lb_config: { min_cluster_size: 1 }
            health_checks:
            - timeout: 0.5s
              interval: 1s
              no_traffic_interval: 1s
              unhealthy_threshold: 1
              healthy_threshold: 1
              http_health_check: { path: /healthz }
            load_assignment:
              cluster_name: zoned
              endpoints:
              - locality: { region: eu, zone: eu-a }
                lb_endpoints:
        """ + endpoint(a1.httpPort()) + endpoint(a2.httpPort()) + """
              - locality: { region: eu, zone: eu-b }
                lb_endpoints:
        """ + endpoint(b1.httpPort()) + endpoint(b2.httpPort());
    String node = "node: { id: client.default, cluster: client, locality: { region: eu, zone: eu-a } }";
    ProxyProcess proxy = proxy(mesh, "zone-proxy", ports[1], node, listeners, clusters);
    String url = "http://127.0.0.1:" + ports[0] + "/get";

    // Hosts are used once their first health check passed.
    Poll.until("all four hosts pass their first health check", Duration.ofSeconds(15),
        () -> !proxy.admin().get("/clusters").body().contains("/failed_active_hc"));
    Map<String, Integer> served = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      HttpResult r = Http.get(url);
      assertThat(r.status()).isEqualTo(200);
      served.merge(r.header("x-served-by").orElseThrow(), 1, Integer::sum);
    }
    assertThat(served).as("traffic stays in zone eu-a").containsOnlyKeys("zone-a-1", "zone-a-2");

    a1.process().close();
    a2.process().close();
    // Within a few 1 s health-check intervals every request goes to the other zone.
    Poll.until("the local zone's hosts fail their health checks", Duration.ofSeconds(10), () -> {
      String clustersText = proxy.admin().get("/clusters").body();
      return clustersText.contains("zoned::127.0.0.1:" + a1.httpPort() + "::health_flags::/failed_active_hc")
          && clustersText.contains("zoned::127.0.0.1:" + a2.httpPort() + "::health_flags::/failed_active_hc");
    });
    Map<String, Integer> after = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      HttpResult r = Http.get(url);
      assertThat(r.status()).isEqualTo(200);
      after.merge(r.header("x-served-by").orElseThrow(), 1, Integer::sum);
    }
    assertThat(after).containsOnlyKeys("zone-b-1", "zone-b-2");
    assertThat(proxy.admin().stat("cluster.zoned.health_check.failure")).isGreaterThanOrEqualTo(2);
  }
}
