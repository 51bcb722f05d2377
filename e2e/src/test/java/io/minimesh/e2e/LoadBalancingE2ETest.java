package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.TestAppProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Each load-balancing policy over three real upstreams (testapp instances that say who served
 * them in {@code x-served-by}), through the proxy configured with Envoy YAML.
 */
@MeshTest
class LoadBalancingE2ETest {

  private static String cluster(String name, String policy, List<TestAppProcess> apps, int[] weights) {
    StringBuilder eps = new StringBuilder();
    for (int i = 0; i < apps.size(); i++) {
      eps.append("""
                  - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                    load_balancing_weight: %d
          """.formatted(apps.get(i).httpPort(), weights[i]));
    }
    return """
          - name: %s
            connect_timeout: 1s
            type: STATIC
            lb_policy: %s
            load_assignment:
              cluster_name: %s
              endpoints:
              - lb_endpoints:
        %s""".formatted(name, policy, name, eps);
  }

  private static ProxyProcess proxy(MeshProcesses mesh, List<TestAppProcess> apps, int[] ports) {
    String config = """
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        static_resources:
          listeners:
          - name: lb
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: lb
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/rr/" }
                        route: { cluster: rr, prefix_rewrite: "/" }
                      - match: { prefix: "/weighted/" }
                        route: { cluster: weighted, prefix_rewrite: "/" }
                      - match: { prefix: "/ring/" }
                        route:
                          cluster: ring
                          prefix_rewrite: "/"
                          hash_policy: [{ header: { header_name: x-user } }]
                      - match: { prefix: "/maglev/" }
                        route:
                          cluster: maglev
                          prefix_rewrite: "/"
                          hash_policy: [{ header: { header_name: x-user } }]
                      - match: { prefix: "/least/" }
                        route: { cluster: least, prefix_rewrite: "/" }
                  http_filters:
                  - name: envoy.filters.http.router
          clusters:
        %s%s%s%s%s""".formatted(ports[1], ports[0],
        cluster("rr", "ROUND_ROBIN", apps, new int[] {1, 1, 1}),
        cluster("weighted", "ROUND_ROBIN", apps, new int[] {1, 2, 3}),
        cluster("ring", "RING_HASH", apps, new int[] {1, 1, 1}),
        cluster("maglev", "MAGLEV", apps, new int[] {1, 1, 1}),
        cluster("least", "LEAST_REQUEST", apps, new int[] {1, 1, 1}));
    Path file = mesh.writeFile("lb.yaml", config);
    // One event loop: round robin is exact per loop, and a test client's connections may land on any loop.
    return mesh.meshProxy("proxy", file, ports[1], "--concurrency", "1");
  }

  private static Map<String, Integer> spread(String url, int n, String... headers) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      var r = Http.get(url, headers);
      assertThat(r.status()).isEqualTo(200);
      counts.merge(r.header("x-served-by").orElseThrow(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void eachPolicyDistributesAsDocumented(MeshProcesses mesh) {
    List<TestAppProcess> apps = List.of(mesh.testapp("a"), mesh.testapp("b"), mesh.testapp("c"));
    int[] ports = Ports.free(2);
    proxy(mesh, apps, ports);
    String base = "http://127.0.0.1:" + ports[0];

    assertThat(spread(base + "/rr/get", 30)).isEqualTo(Map.of("a", 10, "b", 10, "c", 10));
    assertThat(spread(base + "/weighted/get", 60)).isEqualTo(Map.of("a", 10, "b", 20, "c", 30));

    for (String policy : List.of("ring", "maglev")) {
      // The same key always reaches the same host; different keys spread over more than one.
      Map<String, Integer> alice = spread(base + "/" + policy + "/get", 20, "x-user", "alice");
      assertThat(alice).hasSize(1);
      Map<String, Integer> served = new TreeMap<>();
      for (int u = 0; u < 30; u++) {
        served.putAll(spread(base + "/" + policy + "/get", 3, "x-user", "user-" + u));
      }
      assertThat(served.size()).as(policy + " spreads keys").isGreaterThan(1);
      for (int u = 0; u < 30; u++) {
        assertThat(spread(base + "/" + policy + "/get", 3, "x-user", "user-" + u)).hasSize(1);
      }
    }
    // Sequential requests leave every host idle, so least-request still reaches all of them.
    assertThat(spread(base + "/least/get", 60).keySet()).containsExactly("a", "b", "c");
  }
}
