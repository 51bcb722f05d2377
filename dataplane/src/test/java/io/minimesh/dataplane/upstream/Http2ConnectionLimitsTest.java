package io.minimesh.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.minimesh.dataplane.runtime.ProxyRuntime;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** max_requests_per_connection and idle_timeout on HTTP/2 upstream connections. */
@ExtendWith(LeakCheck.class)
class Http2ConnectionLimitsTest {
  final TestUpstream up = new TestUpstream("h2", true);
  ProxyRuntime proxy;

  @AfterEach
  void stop() {
    if (proxy != null) proxy.close();
    up.close();
  }

  void start(String extra) {
    proxy = Proxies.start("""
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        static_resources:
          listeners:
          - name: http
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                http_connection_manager:
                  stat_prefix: in
                  http_filters: [{name: envoy.filters.http.router}]
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes: [{match: {prefix: "/"}, route: {cluster: h2}}]
          clusters:
        """ + Proxies.staticCluster("h2", "    http2_protocol_options: {}\n" + extra, up.port()));
  }

  long stat(String name) {
    return proxy.stats().snapshot().getOrDefault(name, -1L);
  }

  void get(int n) throws Exception {
    HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    int port = proxy.listenerAddress("http").getPort();
    for (int i = 0; i < n; i++) {
      var r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void maxRequestsPerConnectionRotatesTheConnection() throws Exception {
    start("    max_requests_per_connection: 2\n");
    get(5);
    assertThat(stat("cluster.h2.upstream_cx_total")).isEqualTo(3);
    // Connections that served their two streams are closed.
    await().atMost(Duration.ofSeconds(5)).until(() -> stat("cluster.h2.upstream_cx_active") == 1);
  }

  @Test
  void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    start("    idle_timeout: 0.2s\n");
    get(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> stat("cluster.h2.upstream_cx_active") == 0);
    get(1);
    assertThat(stat("cluster.h2.upstream_cx_total")).isEqualTo(2);
  }
}
