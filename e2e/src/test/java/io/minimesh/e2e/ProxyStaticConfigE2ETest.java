package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.HttpbinProcess;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.Prerequisite;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.Requires;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The proxy as a real process, configured with Envoy v3 bootstrap YAML as Envoy's docs write it,
 * in front of Debian's httpbin.
 */
@MeshTest
@Requires(Prerequisite.HTTPBIN)
class ProxyStaticConfigE2ETest {

  /** An Envoy front-proxy config: one listener, routes with a timeout and with retries, one cluster. */
  static String envoyConfig(int listenerPort, int adminPort, int upstreamPort) {
    return """
        admin:
          address:
            socket_address: { address: 127.0.0.1, port_value: %d }
        static_resources:
          listeners:
          - name: listener_0
            address:
              socket_address: { address: 127.0.0.1, port_value: %d }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  route_config:
                    name: local_route
                    virtual_hosts:
                    - name: backend
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/delay" }
                        route: { cluster: httpbin, timeout: 1s }
                      - match: { prefix: "/status/500" }
                        route:
                          cluster: httpbin
                          retry_policy: { retry_on: 5xx, num_retries: 3 }
                      - match: { prefix: "/" }
                        route: { cluster: httpbin }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
          - name: httpbin
            connect_timeout: 0.25s
            type: STATIC
            lb_policy: ROUND_ROBIN
            load_assignment:
              cluster_name: httpbin
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.1, port_value: %d }
        """.formatted(adminPort, listenerPort, upstreamPort);
  }

  private record Setup(HttpbinProcess httpbin, ProxyProcess proxy, String base) {}

  private static Setup start(MeshProcesses mesh) {
    HttpbinProcess httpbin = mesh.httpbin();
    int[] ports = Ports.free(2);
    Path config = mesh.writeFile("envoy.yaml", envoyConfig(ports[0], ports[1], httpbin.port()));
    ProxyProcess proxy = mesh.meshProxy("proxy", config, ports[1]);
    return new Setup(httpbin, proxy, "http://127.0.0.1:" + ports[0]);
  }

  @Test
  void headersArriveUpstreamWithRequestIdAndExpectedTimeout(MeshProcesses mesh) {
    Setup s = start(mesh);
    // show_env=1: httpbin otherwise hides X-Request-Id and X-Forwarded-For.
    HttpResult r = Http.get(s.base() + "/headers?show_env=1");
    assertThat(r.status()).isEqualTo(200);
    var headers = r.json().get("headers");
    assertThat(headers.get("X-Request-Id").asText()).matches("[0-9a-f-]{36}");
    // The default route timeout is 15 s and the upstream is told so.
    assertThat(headers.get("X-Envoy-Expected-Rq-Timeout-Ms").asText()).isEqualTo("15000");
    assertThat(r.header("x-envoy-upstream-service-time")).isPresent();

    // A request id the client sends is kept.
    HttpResult kept = Http.get(s.base() + "/headers?show_env=1", "x-request-id", "my-id-1");
    assertThat(kept.json().get("headers").get("X-Request-Id").asText()).isEqualTo("my-id-1");
  }

  @Test
  void aRouteTimeoutAnswers504AndIsCounted(MeshProcesses mesh) {
    Setup s = start(mesh);
    long t0 = System.nanoTime();
    HttpResult r = Http.get(s.base() + "/delay/2");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("upstream request timeout");
    assertThat(took).isLessThan(Duration.ofMillis(1900));
    assertThat(s.proxy().admin().stat("cluster.httpbin.upstream_rq_timeout")).isEqualTo(1);
  }

  @Test
  void retriesOn5xxReachTheUpstreamFourTimes(MeshProcesses mesh) {
    Setup s = start(mesh);
    HttpResult r = Http.get(s.base() + "/status/500");
    assertThat(r.status()).isEqualTo(500);
    assertThat(s.proxy().admin().stat("cluster.httpbin.upstream_rq_retry")).isEqualTo(3);
    // gunicorn's access log (in the httpbin process log) shows every attempt.
    io.minimesh.e2e.harness.Poll.until("httpbin logged 4 attempts", Duration.ofSeconds(10),
        () -> s.httpbin().process().logLines().stream().filter(l -> l.contains("GET /status/500")).count() == 4);
  }
}
