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
import io.minimesh.e2e.harness.TestAppProcess;
import org.junit.jupiter.api.Test;

/**
 * retriable-status-codes with the previous-hosts predicate through the proxy process: a cluster of
 * httpbin (which has no /healthz: 404) and testapp (200); a 404 is retried on the other host.
 */
@MeshTest
@Requires(Prerequisite.HTTPBIN)
class RetryE2ETest {

  static String config(int listenerPort, int adminPort, int httpbinPort, int appPort) {
    return """
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        static_resources:
          listeners:
          - name: retries
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: retries
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  route_config:
                    virtual_hosts:
                    - name: mixed
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        route:
                          cluster: mixed
                          retry_policy:
                            retry_on: retriable-status-codes
                            retriable_status_codes: [404]
                            num_retries: 2
                            retry_host_predicate:
                            - name: envoy.retry_host_predicates.previous_hosts
                              typed_config:
                                "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
                            host_selection_retry_max_attempts: 3
          clusters:
          - name: mixed
            connect_timeout: 1s
            type: STATIC
            lb_policy: ROUND_ROBIN
            load_assignment:
              cluster_name: mixed
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        """.formatted(adminPort, listenerPort, httpbinPort, appPort);
  }

  @Test
  void retriableStatusCodeReachesTheSecondHost(MeshProcesses mesh) {
    HttpbinProcess httpbin = mesh.httpbin();
    TestAppProcess app = mesh.testapp("app");
    int[] ports = Ports.free(2);
    ProxyProcess proxy = mesh.meshProxy("proxy",
        mesh.writeFile("retries.yaml", config(ports[0], ports[1], httpbin.port(), app.httpPort())), ports[1],
        "--concurrency", "1");
    assertThat(Http.get(httpbin.url("/healthz")).status()).as("httpbin has no /healthz").isEqualTo(404);

    for (int i = 0; i < 10; i++) {
      HttpResult r = Http.get("http://127.0.0.1:" + ports[0] + "/healthz");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("x-served-by")).contains("app");
    }
    long retries = proxy.admin().stat("cluster.mixed.upstream_rq_retry");
    // Round robin sends first tries to httpbin too; each of those is retried on testapp.
    assertThat(retries).isBetween(1L, 10L);
    assertThat(proxy.admin().stat("cluster.mixed.upstream_rq_retry_success")).isEqualTo(retries);
    assertThat(proxy.admin().stat("cluster.mixed.upstream_rq_404")).isEqualTo(retries);
  }
}
