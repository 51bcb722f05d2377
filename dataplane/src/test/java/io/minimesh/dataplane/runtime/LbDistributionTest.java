package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Load-balancing policies seen through the proxy over three real endpoints. */
@ExtendWith(LeakCheck.class)
class LbDistributionTest {
  static TestUpstream[] ups = new TestUpstream[3];
  static ProxyRuntime proxy;
  static int port;
  static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    for (int i = 0; i < 3; i++) ups[i] = new TestUpstream("u" + i, false);
    StringBuilder weighted = new StringBuilder(
        "  - name: weighted\n    connect_timeout: 1s\n    load_assignment:\n      endpoints:\n      - lb_endpoints:\n");
    for (int i = 0; i < 3; i++) {
      weighted.append("        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ")
          .append(ups[i].port()).append("}}}\n          load_balancing_weight: ").append(i + 1).append('\n');
    }
    proxy = Proxies.start(
        """
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        static_resources:
          listeners:
          - name: http
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                http_connection_manager:
                  stat_prefix: lb
                  route_config:
                    virtual_hosts:
                    - name: v
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/rr"}
                        route: {cluster: rr}
                      - match: {prefix: "/weighted"}
                        route: {cluster: weighted}
                      - match: {prefix: "/hash"}
                        route: {cluster: hash, hash_policy: [{header: {header_name: x-user}}]}
          clusters:
        """
            + Proxies.staticCluster("rr", "", ups[0].port(), ups[1].port(), ups[2].port())
            + weighted
            + Proxies.staticCluster("hash", "    lb_policy: RING_HASH\n", ups[0].port(), ups[1].port(), ups[2].port()));
    port = proxy.listenerAddress("http").getPort();
  }

  @AfterAll
  static void stop() {
    if (proxy != null) proxy.close();
    for (TestUpstream u : ups) if (u != null) u.close();
  }

  static String servedBy(String path, String user) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (user != null) b.header("x-user", user);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString()).headers().firstValue("x-served-by").orElse("?");
  }

  static Map<String, Integer> count(String path, int n) throws Exception {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < n; i++) m.merge(servedBy(path, null), 1, Integer::sum);
    return m;
  }

  @Test
  void roundRobinIsExact() throws Exception {
    // Two event loops each keep their own round-robin position; over 30 requests on one connection
    // (one loop) every endpoint gets exactly 10.
    assertThat(count("/rr", 30)).containsOnly(Map.entry("u0", 10), Map.entry("u1", 10), Map.entry("u2", 10));
  }

  @Test
  void weightsAreRespected() throws Exception {
    Map<String, Integer> m = count("/weighted", 60);
    assertThat(m).containsOnly(Map.entry("u0", 10), Map.entry("u1", 20), Map.entry("u2", 30));
  }

  @Test
  void ringHashIsSticky() throws Exception {
    Set<String> seen = new HashSet<>();
    for (int u = 0; u < 20; u++) {
      String first = servedBy("/hash", "user-" + u);
      for (int i = 0; i < 3; i++) assertThat(servedBy("/hash", "user-" + u)).isEqualTo(first);
      seen.add(first);
    }
    assertThat(seen).hasSizeGreaterThan(1);
  }
}
