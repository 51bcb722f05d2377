package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Poll;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.TestAppProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * request_mirror_policies through the proxy process. The primary is testapp "primary"; the mirror
 * backend is slow: a second listener of the same proxy that delays every request by 5 s (fault
 * filter) before testapp "shadow", and logs what it receives. The client gets the primary's answer
 * without waiting for the mirror; the mirror backend still receives every copy, Host suffixed -shadow.
 */
@MeshTest
class MirrorE2ETest {

  static String cluster(String name, int port) {
    return """
          - name: %s
            connect_timeout: 1s
            type: STATIC
            load_assignment:
              cluster_name: %s
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        """.formatted(name, name, port);
  }

  static String config(int[] ports, int primaryPort, int shadowPort, Path shadowLog) {
    return """
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        static_resources:
          listeners:
          - name: front
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: front
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  route_config:
                    virtual_hosts:
                    - name: app
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        route:
                          cluster: primary
                          timeout: 30s
                          request_mirror_policies:
                          - cluster: mirror
                            runtime_fraction: { default_value: { numerator: 100, denominator: HUNDRED } }
          - name: slow_mirror_backend
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: mirror_backend
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: %s
                      log_format: { text_format_source: { inline_string: "%%REQ(:AUTHORITY)%% %%REQ(:PATH)%% %%RESPONSE_CODE%%\\n" } }
                  http_filters:
                  - name: envoy.filters.http.fault
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                      delay:
                        fixed_delay: 5s
                        percentage: { numerator: 100, denominator: HUNDRED }
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  route_config:
                    virtual_hosts:
                    - name: shadow
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        route: { cluster: shadow }
          clusters:
        %s%s%s""".formatted(ports[2], ports[0], ports[1], shadowLog,
        cluster("primary", primaryPort), cluster("mirror", ports[1]), cluster("shadow", shadowPort));
  }

  @Test
  void mirrorReceivesCopiesWhileTheClientSeesOnlyThePrimary(MeshProcesses mesh) throws Exception {
    TestAppProcess primary = mesh.testapp("primary");
    TestAppProcess shadow = mesh.testapp("shadow");
    int[] ports = Ports.free(3);
    Path shadowLog = mesh.files().resolve("mirror-backend.log");
    ProxyProcess proxy = mesh.meshProxy("proxy",
        mesh.writeFile("mirror.yaml", config(ports, primary.httpPort(), shadow.httpPort(), shadowLog)), ports[2]);
    String front = "http://127.0.0.1:" + ports[0];

    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      HttpResult r = Http.get(front + "/anything/" + i, "host", "reviews.example:9080");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("x-served-by")).as("only the primary answers").contains("primary");
      assertThat(r.json().path("headers").path("Host").asText())
          .isEqualTo("reviews.example:9080");
      assertThat(took).as("the client does not wait for the 5 s mirror backend").isLessThan(Duration.ofSeconds(5));
    }

    // Each copy reaches the mirror backend after its delay, with the shadow host.
    Poll.until("5 mirrored requests at the mirror backend", Duration.ofSeconds(30),
        () -> Files.exists(shadowLog) && Files.readAllLines(shadowLog).size() >= 5);
    List<String> lines = Files.readAllLines(shadowLog);
    for (int i = 0; i < 5; i++) {
      assertThat(lines).contains("reviews.example-shadow:9080 /anything/" + i + " 200");
    }
    assertThat(proxy.admin().stat("cluster.shadow.upstream_rq_200")).isEqualTo(5);
    assertThat(proxy.admin().stat("cluster.mirror.upstream_rq_200")).isEqualTo(5);
    assertThat(proxy.admin().stat("cluster.primary.upstream_rq_200")).isEqualTo(5);
  }
}
