package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.TestAppProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Envoy's HTTP fault filter through the proxy process, configured as Istio generates it (the filter
 * in http_filters, the fault per route in typed_per_filter_config), in front of testapp.
 */
@MeshTest
class FaultInjectionE2ETest {

  static String config(int listenerPort, int adminPort, int upstreamPort, Path accessLog) {
    return """
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        static_resources:
          listeners:
          - name: faults
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: faults
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: %s
                      log_format: { text_format_source: { inline_string: "%%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%%\\n" } }
                  http_filters:
                  - name: envoy.filters.http.fault
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  route_config:
                    virtual_hosts:
                    - name: app
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/abort/" }
                        route: { cluster: app, prefix_rewrite: "/" }
                        typed_per_filter_config:
                          envoy.filters.http.fault:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                            abort:
                              http_status: 503
                              percentage: { numerator: 500000, denominator: MILLION }
                      - match: { prefix: "/delay/" }
                        route: { cluster: app, prefix_rewrite: "/" }
                        typed_per_filter_config:
                          envoy.filters.http.fault:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                            delay:
                              fixed_delay: 1.5s
                              percentage: { numerator: 100, denominator: HUNDRED }
                      - match: { prefix: "/" }
                        route: { cluster: app }
          clusters:
          - name: app
            connect_timeout: 1s
            type: STATIC
            load_assignment:
              cluster_name: app
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        """.formatted(adminPort, listenerPort, accessLog, upstreamPort);
  }

  @Test
  void abortAtFiftyPercentAndDelayAddsItsTime(MeshProcesses mesh) throws Exception {
    TestAppProcess app = mesh.testapp("app");
    int[] ports = Ports.free(2);
    Path log = mesh.files().resolve("faults-access.log");
    ProxyProcess proxy = mesh.meshProxy("proxy",
        mesh.writeFile("faults.yaml", config(ports[0], ports[1], app.httpPort(), log)), ports[1]);
    String base = "http://127.0.0.1:" + ports[0];

    int aborted = 0;
    for (int i = 0; i < 1000; i++) {
      HttpResult r = Http.get(base + "/abort/get");
      if (r.status() == 503) {
        assertThat(r.body()).isEqualTo("fault filter abort");
        aborted++;
      } else {
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-served-by")).contains("app");
      }
    }
    assertThat(aborted).as("aborts out of 1000 at 50 %").isBetween(450, 550);
    assertThat(proxy.admin().stat("http.faults.fault.aborts_injected")).isEqualTo(aborted);

    long start = System.nanoTime();
    HttpResult delayed = Http.get(base + "/delay/get");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(delayed.status()).isEqualTo(200);
    assertThat(took).as("the configured delay is added").isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    assertThat(proxy.admin().stat("http.faults.fault.delays_injected")).isEqualTo(1);

    // Access log flags: FI on aborts, DI on the delayed request.
    io.minimesh.e2e.harness.Poll.until("the delayed request in the access log", Duration.ofSeconds(10), () -> Files.exists(log)
        && Files.readAllLines(log).stream().anyMatch(l -> l.startsWith("/delay/get ")));
    List<String> lines = Files.readAllLines(log);
    assertThat(lines.stream().filter(l -> l.equals("/abort/get 503 FI")).count()).isEqualTo(aborted);
    assertThat(lines).contains("/delay/get 200 DI");
  }
}
