package io.minimesh.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.runtime.ProxyOptions;
import io.minimesh.dataplane.runtime.ProxyRuntime;
import io.minimesh.dataplane.testing.LeakCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Circuit breakers through the real proxy, against an upstream that holds requests. */
@ExtendWith(LeakCheck.class)
class CircuitBreakerTest {
  final HoldingUpstream up = new HoldingUpstream();
  ProxyRuntime proxy;
  Path accessLog;

  @AfterEach
  void stop() {
    up.release();
    if (proxy != null) proxy.close();
    up.close();
  }

  void start(String breakers, String clusterExtra) throws Exception {
    accessLog = Files.createTempFile("cb", ".log");
    String yaml = """
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
                  access_log: [{path: LOG, format: "%RESPONSE_CODE% %RESPONSE_FLAGS%\\n"}]
                  http_filters: [{name: envoy.filters.http.router}]
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes: [{match: {prefix: "/"}, route: {cluster: up, timeout: 0s}}]
          clusters:
          - name: up
            connect_timeout: 1s
        BREAKERS
        EXTRA
            load_assignment:
              cluster_name: up
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: PORT}}}
        """.replace("LOG", accessLog.toString()).replace("PORT", Integer.toString(up.port()))
        .replace("BREAKERS", breakers).replace("EXTRA", clusterExtra);
    // One event loop, so the cluster-wide limits are not widened by Envoy's one-connection-per-pool rule.
    proxy = ProxyRuntime.start(BootstrapLoader.fromString(yaml), ProxyOptions.defaults().withConcurrency(1));
  }

  long stat(String name) {
    return proxy.stats().snapshot().getOrDefault(name, -1L);
  }

  List<CompletableFuture<HttpResponse<String>>> send(int n) {
    int port = proxy.listenerAddress("http").getPort();
    List<CompletableFuture<HttpResponse<String>>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // A client each: one downstream connection per request, all at once.
      HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      out.add(c.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow/" + i))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    return out;
  }

  @Test
  void overMaxConnectionsAndPendingRequestsAnswer503UoAndCountOverflow() throws Exception {
    start("    circuit_breakers: {thresholds: [{max_connections: 1, max_pending_requests: 1}]}", "");
    var responses = send(6);
    // One request on the only connection, one pending, four refused.
    await().atMost(Duration.ofSeconds(10)).until(
        () -> responses.stream().filter(CompletableFuture::isDone).count() == 4 && up.held() == 1);
    for (var f : responses) {
      if (f.isDone()) {
        HttpResponse<String> r = f.get();
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-envoy-overloaded")).hasValue("true");
        assertThat(r.body()).contains("reset reason: overflow");
      }
    }
    assertThat(stat("cluster.up.upstream_rq_pending_overflow")).isEqualTo(4);
    assertThat(stat("cluster.up.upstream_cx_overflow")).isGreaterThanOrEqualTo(5);
    assertThat(stat("cluster.up.circuit_breakers.default.cx_open")).isEqualTo(1);
    assertThat(stat("cluster.up.circuit_breakers.default.rq_pending_open")).isEqualTo(1);
    assertThat(stat("cluster.up.circuit_breakers.default.remaining_pending")).isZero();
    assertThat(stat("cluster.up.upstream_rq_pending_active")).isEqualTo(1);
    assertThat(up.connectionsAccepted()).isEqualTo(1);

    up.release();
    // The pending request gets the connection once the first response is done.
    for (var f : responses) {
      assertThat(f.get().statusCode()).isIn(200, 503);
    }
    assertThat(responses.stream().filter(f -> f.join().statusCode() == 200)).hasSize(2);
    assertThat(up.connectionsAccepted()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(stat("cluster.up.circuit_breakers.default.rq_pending_open")).isZero();
      assertThat(stat("cluster.up.circuit_breakers.default.remaining_pending")).isEqualTo(1);
      assertThat(stat("cluster.up.upstream_rq_pending_active")).isZero();
      assertThat(Files.readAllLines(accessLog).stream().filter(l -> l.equals("503 UO"))).hasSize(4);
    });
  }

  @Test
  void aPendingRequestWhoseClientGoesAwayLeavesTheQueue() throws Exception {
    start("    circuit_breakers: {thresholds: [{max_connections: 1, max_pending_requests: 1}]}", "");
    var first = send(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> up.held() == 1);
    int port = proxy.listenerAddress("http").getPort();
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.getOutputStream().write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> stat("cluster.up.upstream_rq_pending_active") == 1);
    }
    // The client closed: its place in the queue is given back, so another request may wait.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(stat("cluster.up.upstream_rq_pending_active")).isZero();
      assertThat(stat("cluster.up.circuit_breakers.default.remaining_pending")).isEqualTo(1);
    });
    var third = send(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> stat("cluster.up.upstream_rq_pending_active") == 1);
    assertThat(third.get(0)).isNotDone();
    up.release();
    assertThat(first.get(0).get().statusCode()).isEqualTo(200);
    assertThat(third.get(0).get().statusCode()).isEqualTo(200);
    assertThat(stat("cluster.up.upstream_rq_pending_overflow")).isZero();
  }

  @Test
  void maxRequestsRefusesTheRequestOverTheLimit() throws Exception {
    start("    circuit_breakers: {thresholds: [{max_requests: 2}]}", "");
    var responses = send(3);
    await().atMost(Duration.ofSeconds(10)).until(
        () -> responses.stream().filter(CompletableFuture::isDone).count() == 1 && up.held() == 2);
    assertThat(responses.stream().filter(CompletableFuture::isDone).findFirst().orElseThrow().get().statusCode())
        .isEqualTo(503);
    assertThat(stat("cluster.up.circuit_breakers.default.rq_open")).isEqualTo(1);
    assertThat(stat("cluster.up.upstream_rq_pending_overflow")).isEqualTo(1);
    up.release();
    await().atMost(Duration.ofSeconds(5)).until(() -> stat("cluster.up.circuit_breakers.default.remaining_rq") == 2);
  }

  @Test
  void maxRequestsPerConnectionOpensANewConnectionAfterN() throws Exception {
    start("", "    max_requests_per_connection: 2\n");
    up.release();
    HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    int port = proxy.listenerAddress("http").getPort();
    for (int i = 0; i < 5; i++) {
      var r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    assertThat(up.connectionsAccepted()).isEqualTo(3);
  }
}
