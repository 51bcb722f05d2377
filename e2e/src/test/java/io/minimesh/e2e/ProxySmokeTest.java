package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.TestAppProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The harness's canonical shape: an upstream, a mesh-proxy from an Envoy v3 config, a request, stats. */
@MeshTest
class ProxySmokeTest {

  @Test
  void proxyFromEnvoyConfigForwardsToTestapp(MeshProcesses mesh) {
    TestAppProcess webapp = mesh.testapp("webapp");
    int listener = Ports.free();
    int admin = Ports.free();
    Path config = mesh.writeFile("envoy.yaml", """
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: %d}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  route_config:
                    virtual_hosts:
                    - {name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: webapp}}]}
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          clusters:
          - name: webapp
            connect_timeout: 1s
            type: STATIC
            load_assignment:
              cluster_name: webapp
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(admin, listener, webapp.httpPort()));
    ProxyProcess proxy = mesh.meshProxy("proxy", config, admin);

    HttpResult r = Http.get("http://127.0.0.1:" + listener + "/headers", "host", "webapp.local");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-served-by")).hasValue("webapp");
    assertThat(r.json().get("headers").get("Host").asText()).isEqualTo("webapp.local");
    await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(proxy.admin().stat("cluster.webapp.upstream_rq_200")).isEqualTo(1));
  }
}
