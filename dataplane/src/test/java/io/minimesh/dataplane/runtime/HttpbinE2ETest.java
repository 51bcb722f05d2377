package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The "done when" against the real httpbin (Debian's python3-httpbin under gunicorn).
 * Skipped when gunicorn is missing, unless MINIMESH_E2E_REQUIRED=1.
 */
@ExtendWith(LeakCheck.class)
class HttpbinE2ETest {
  static Process gunicorn;
  static Path accessLog;
  static ProxyRuntime proxy;
  static int port;
  static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    boolean present = new File("/usr/bin/gunicorn").canExecute();
    if (!present) {
      if ("1".equals(System.getenv("MINIMESH_E2E_REQUIRED"))) throw new IllegalStateException("gunicorn/httpbin missing");
      Assumptions.abort("gunicorn (python3-httpbin) not installed");
    }
    int hb = ProxyHttpTest.freePort();
    accessLog = Files.createTempFile("httpbin", ".log");
    gunicorn = new ProcessBuilder("gunicorn", "-b", "127.0.0.1:" + hb, "-w", "2", "--access-logfile", accessLog.toString(), "httpbin:app")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", hb), 200);
        return true;
      }
    });
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
                  stat_prefix: ingress_http
                  use_remote_address: true
                  route_config:
                    virtual_hosts:
                    - name: httpbin
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/delay/"}
                        route: {cluster: httpbin, timeout: 1s}
                      - match: {prefix: "/status/"}
                        route: {cluster: httpbin, retry_policy: {retry_on: 5xx, num_retries: 3}}
                      - match: {prefix: "/"}
                        route: {cluster: httpbin}
          clusters:
          - name: httpbin
            type: STRICT_DNS
            connect_timeout: 1s
            load_assignment:
              cluster_name: httpbin
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: localhost, port_value: %d}}}
        """.formatted(hb).replace("address: localhost", "address: 127.0.0.1"));
    port = proxy.listenerAddress("http").getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) proxy.close();
    if (gunicorn != null) {
      gunicorn.destroy();
      gunicorn.waitFor();
    }
    if (accessLog != null) Files.deleteIfExists(accessLog);
  }

  static HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String adminStats() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + "/stats")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void headersArriveUpstream() throws Exception {
    // httpbin hides x-request-id and x-forwarded-* unless show_env is set.
    HttpResponse<String> r = get("/headers?show_env=1");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode h = new ObjectMapper().readTree(r.body()).get("headers");
    assertThat(h.has("X-Request-Id")).isTrue();
    assertThat(h.get("X-Envoy-Expected-Rq-Timeout-Ms").asText()).isEqualTo("15000");
    assertThat(h.get("X-Forwarded-For").asText()).isEqualTo("127.0.0.1");
  }

  @Test
  void routeTimeout() throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> r = get("/delay/2");
    long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("upstream request timeout");
    assertThat(ms).isBetween(900L, 1900L);
    assertThat(adminStats()).contains("cluster.httpbin.upstream_rq_timeout: 1\n");
  }

  @Test
  void retriesFourTimes() throws Exception {
    HttpResponse<String> r = get("/status/500");
    assertThat(r.statusCode()).isEqualTo(500);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Files.readAllLines(accessLog).stream().filter(l -> l.contains("GET /status/500")).count()).isEqualTo(4));
    assertThat(adminStats()).contains("cluster.httpbin.upstream_rq_retry: 3\n");
  }
}
