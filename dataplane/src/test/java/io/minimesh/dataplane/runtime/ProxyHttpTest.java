package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The proxy with real sockets: a Netty upstream, the JDK HTTP client and raw sockets. */
@ExtendWith(LeakCheck.class)
class ProxyHttpTest {
  static TestUpstream up;
  static TestUpstream up2;
  static ProxyRuntime proxy;
  static int port;
  static final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  static final ObjectMapper JSON = new ObjectMapper();
  static java.nio.file.Path accessLog;

  @BeforeAll
  static void start() throws Exception {
    accessLog = java.nio.file.Files.createTempFile("access", ".log");
    up = new TestUpstream("a", false);
    up2 = new TestUpstream("b", false);
    String yaml =
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
                  stat_prefix: ingress
                  use_remote_address: true
                  request_headers_timeout: 0.5s
                  request_timeout: 1s
                  max_request_headers_kb: 8
                  access_log: [{path: ACCESS_LOG}]
                  http_filters:
                  - name: minimesh.filters.http.add_header
                    config: {response_headers: {x-filter: seen}}
                  - name: envoy.filters.http.router
                  route_config:
                    name: local
                    virtual_hosts:
                    - name: other
                      domains: ["other.example.com"]
                      routes:
                      - match: {prefix: "/"}
                        route: {cluster: b}
                    - name: nr
                      domains: ["nr.example.com"]
                      routes:
                      - match: {path: "/only"}
                        route: {cluster: a}
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/timeout/"}
                        route: {cluster: a, timeout: 1s, prefix_rewrite: "/"}
                      - match: {prefix: "/short/"}
                        route: {cluster: short, prefix_rewrite: "/"}
                      - match: {prefix: "/idle/"}
                        route: {cluster: a, idle_timeout: 0.3s, prefix_rewrite: "/"}
                      - match: {prefix: "/retry/"}
                        route:
                          cluster: a
                          prefix_rewrite: "/"
                          retry_policy: {retry_on: 5xx, num_retries: 3, retry_back_off: {base_interval: 0.001s}}
                      - match: {prefix: "/direct"}
                        direct_response: {status: 418, body: {inline_string: "teapot"}}
                      - match: {prefix: "/old"}
                        redirect: {path_redirect: "/new", response_code: PERMANENT_REDIRECT}
                      - match: {prefix: "/nohosts"}
                        route: {cluster: empty}
                      - match: {prefix: "/refused"}
                        route: {cluster: refused}
                      - match: {prefix: "/", headers: [{name: x-canary, exact_match: "yes"}]}
                        route: {cluster: b}
                      - match: {prefix: "/"}
                        route: {cluster: a}
          - name: sidecar
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                http_connection_manager:
                  stat_prefix: sidecar
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        route: {cluster: a}
          clusters:
        """
            + Proxies.staticCluster("a", "", up.port())
            + Proxies.staticCluster("b", "", up2.port())
            + Proxies.staticCluster("short", "    idle_timeout: 0.3s\n", up2.port())
            + "  - name: empty\n    connect_timeout: 1s\n"
            + Proxies.staticCluster("refused", "", freePort());
    proxy = Proxies.start(yaml.replace("ACCESS_LOG", accessLog.toString()));
    port = proxy.listenerAddress("http").getPort();
    sidecarPort = proxy.listenerAddress("sidecar").getPort();
  }

  static int sidecarPort;

  static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) proxy.close();
    if (up != null) up.close();
    if (up2 != null) up2.close();
    java.nio.file.Files.deleteIfExists(accessLog);
  }

  @Test
  void accessLogInEnvoyDefaultFormat() throws Exception {
    get("/nohosts", "x-request-id", "log-uh", "user-agent", "tester");
    get("/headers", "x-request-id", "log-ok", "user-agent", "tester");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      java.util.List<String> lines = java.nio.file.Files.readAllLines(accessLog);
      assertThat(lines).anySatisfy(l -> assertThat(l).matches(
          "\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] \"GET /nohosts HTTP/1.1\" 503 UH 0 19 \\d+ - "
              + "\"127.0.0.1\" \"tester\" \"log-uh\" \"127.0.0.1:\\d+\" \"-\""));
      assertThat(lines).anySatisfy(l -> assertThat(l).matches(
          "\\[.*\\] \"GET /headers HTTP/1.1\" 200 - 0 \\d+ \\d+ \\d+ \"127.0.0.1\" \"tester\" \"log-ok\" \"127.0.0.1:\\d+\" \"127.0.0.1:"
              + up.port() + "\""));
    });
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static long stat(String name) {
    Long v = proxy.stats().snapshot().get(name);
    return v == null ? 0 : v;
  }

  @Test
  void forwardedForFollowsUseRemoteAddress() throws Exception {
    // Edge (use_remote_address: true): the peer is appended and the scheme is the connection's.
    JsonNode edge = JSON.readTree(get("/headers", "x-forwarded-for", "10.9.8.7", "x-forwarded-proto", "https").body())
        .get("headers");
    assertThat(edge.get("x-forwarded-for").asText()).isEqualTo("10.9.8.7,127.0.0.1");
    assertThat(edge.get("x-forwarded-proto").asText()).isEqualTo("http");
    // Behind another proxy (default false): both pass as they came, so two hops list the client once.
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecarPort + "/headers"))
        .header("x-forwarded-for", "10.9.8.7").header("x-forwarded-proto", "https").build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode side = JSON.readTree(r.body()).get("headers");
    assertThat(side.get("x-forwarded-for").asText()).isEqualTo("10.9.8.7");
    assertThat(side.get("x-forwarded-proto").asText()).isEqualTo("https");
    HttpResponse<String> none = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecarPort + "/headers"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(JSON.readTree(none.body()).get("headers").has("x-forwarded-for")).isFalse();
  }

  @Test
  void headersReachUpstream() throws Exception {
    HttpResponse<String> r = get("/headers");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode h = JSON.readTree(r.body()).get("headers");
    assertThat(h.get("x-request-id").asText()).matches("[0-9a-f-]{36}");
    assertThat(h.get("x-envoy-expected-rq-timeout-ms").asText()).isEqualTo("15000");
    assertThat(h.get("x-forwarded-for").asText()).isEqualTo("127.0.0.1");
    assertThat(h.get("x-forwarded-proto").asText()).isEqualTo("http");
    assertThat(r.headers().firstValue("x-envoy-upstream-service-time")).isPresent();
    assertThat(r.headers().firstValue("x-filter")).hasValue("seen");
    assertThat(r.headers().firstValue("server")).hasValue("envoy");
  }

  @Test
  void keepsRequestIdAndTraceHeaders() throws Exception {
    HttpResponse<String> r = get("/headers", "x-request-id", "abc-123", "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7");
    JsonNode h = JSON.readTree(r.body()).get("headers");
    assertThat(h.get("x-request-id").asText()).isEqualTo("abc-123");
    assertThat(h.get("traceparent").asText()).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    assertThat(h.get("x-b3-traceid").asText()).isEqualTo("80f198ee56343ba864fe8b2a57d3eff7");
  }

  @Test
  void routesByHostAndHeader() throws Exception {
    assertThat(get("/x", "x-canary", "yes").headers().firstValue("x-served-by")).hasValue("b");
    assertThat(get("/x").headers().firstValue("x-served-by")).hasValue("a");
  }

  @Test
  void routeTimeoutGives504() throws Exception {
    long before = stat("cluster.a.upstream_rq_timeout");
    HttpResponse<String> r = get("/timeout/delay/3000");
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("upstream request timeout");
    assertThat(stat("cluster.a.upstream_rq_timeout")).isEqualTo(before + 1);
  }

  @Test
  void streamIdleTimeoutGives408() throws Exception {
    HttpResponse<String> r = get("/idle/delay/3000");
    assertThat(r.statusCode()).isEqualTo(408);
    assertThat(r.body()).isEqualTo("stream timeout");
    assertThat(get("/idle/delay/10").statusCode()).isEqualTo(200);
  }

  @Test
  void idleUpstreamConnectionsAreClosed() throws Exception {
    assertThat(get("/short/x").statusCode()).isEqualTo(200);
    assertThat(stat("cluster.short.upstream_cx_total")).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> stat("cluster.short.upstream_cx_active") == 0);
    assertThat(get("/short/y").statusCode()).isEqualTo(200);
    assertThat(stat("cluster.short.upstream_cx_total")).isEqualTo(2);
  }

  @Test
  void retryReplaysTheRequestBody() throws Exception {
    long before = stat("cluster.a.upstream_rq_retry_success");
    String body = "payload-".repeat(1000);
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/retry/fail-once/k1"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(body);
    assertThat(up.hits("/fail-once/k1")).isEqualTo(2);
    assertThat(up.lastHeaders()).containsEntry("x-envoy-attempt-count", "2");
    assertThat(stat("cluster.a.upstream_rq_retry_success")).isEqualTo(before + 1);
  }

  @Test
  void retriesOn5xx() throws Exception {
    long before = stat("cluster.a.upstream_rq_retry");
    HttpResponse<String> r = get("/retry/status/503");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(up.hits("/status/503")).isEqualTo(4);
    assertThat(stat("cluster.a.upstream_rq_retry")).isEqualTo(before + 3);
    assertThat(stat("cluster.a.upstream_rq_503")).isGreaterThanOrEqualTo(4);
  }

  @Test
  void localReplies() throws Exception {
    HttpResponse<String> d = get("/direct");
    assertThat(d.statusCode()).isEqualTo(418);
    assertThat(d.body()).isEqualTo("teapot");
    HttpResponse<String> red = get("/old?x=1");
    assertThat(red.statusCode()).isEqualTo(308);
    assertThat(red.headers().firstValue("location")).hasValue("http://127.0.0.1:" + port + "/new?x=1");
    HttpResponse<String> uh = get("/nohosts");
    assertThat(uh.statusCode()).isEqualTo(503);
    assertThat(uh.body()).isEqualTo("no healthy upstream");
    HttpResponse<String> uf = get("/refused");
    assertThat(uf.statusCode()).isEqualTo(503);
    assertThat(uf.body())
        .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: connection failure");
    assertThat(stat("cluster.refused.upstream_cx_connect_fail")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void noRouteIs404() throws Exception {
    assertThat(raw("GET / HTTP/1.1\r\nHost: nr.example.com:80\r\n\r\n")).startsWith("HTTP/1.1 404");
    assertThat(raw("GET /only HTTP/1.1\r\nHost: nr.example.com\r\n\r\n")).startsWith("HTTP/1.1 200");
    assertThat(get("/", "x-canary", "no").statusCode()).isEqualTo(200);
    assertThat(stat("http.ingress.no_route")).isGreaterThanOrEqualTo(1);
  }

  static String raw(String request) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return readResponseHead(s.getInputStream());
    }
  }

  static String readResponseHead(InputStream in) throws Exception {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      sb.append((char) c);
      if (sb.toString().endsWith("\r\n\r\n")) break;
    }
    return sb.toString();
  }

  @Test
  void malformedRequestsGet4xxAndProxyKeepsServing() throws Exception {
    assertThat(raw("GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(raw("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "x".repeat(10_000) + "\r\n\r\n")).startsWith("HTTP/1.1 431");
    assertThat(raw("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
        .startsWith("HTTP/1.1 400");
    assertThat(raw("GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(get("/").statusCode()).isEqualTo(200);
  }

  @Test
  void incompleteRequestBodyGets408() throws Exception {
    long start = System.nanoTime();
    String head = raw("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    assertThat(head).startsWith("HTTP/1.1 408");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void slowHeaderSenderIsCutOff() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      byte[] req = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1234567890\r\n".getBytes(StandardCharsets.ISO_8859_1);
      long start = System.nanoTime();
      boolean cut = false;
      for (int i = 0; i < req.length * 100 && !cut; i++) {
        try {
          out.write(req[i % req.length] == '\n' && i >= req.length ? 'x' : req[i % req.length]);
          out.flush();
          if (s.getInputStream().available() > 0) cut = true;
          await().pollDelay(Duration.ofMillis(20)).atMost(Duration.ofSeconds(1)).until(() -> true);
        } catch (java.io.IOException e) {
          cut = true;
        }
        if (System.nanoTime() - start > Duration.ofSeconds(4).toNanos()) break;
      }
      String head = readResponseHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 408");
      assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(4).toNanos());
    }
    assertThat(stat("http.ingress.downstream_rq_header_timeout")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void statsAndAdmin() throws Exception {
    get("/x");
    String base = "http://127.0.0.1:" + proxy.adminAddress().getPort();
    HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("LIVE\n");
    String stats = client.send(HttpRequest.newBuilder(URI.create(base + "/stats?filter=%5Ecluster%5C.a%5C.")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(stats).contains("cluster.a.upstream_rq_total: ").contains("cluster.a.upstream_rq_2xx: ").doesNotContain("cluster.b.");
    String all = client.send(HttpRequest.newBuilder(URI.create(base + "/stats")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(all).contains("http.ingress.downstream_rq_total: ").contains("listener.127.0.0.1_0.downstream_cx_total: ")
        .contains("server.live: 1").contains("server.uptime: ");
    String prom = client.send(HttpRequest.newBuilder(URI.create(base + "/stats/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(prom).contains("# TYPE envoy_cluster_upstream_rq_total counter")
        .containsPattern("envoy_cluster_upstream_rq_total\\{envoy_cluster_name=\"a\"\\} \\d+");
    String clusters = client.send(HttpRequest.newBuilder(URI.create(base + "/clusters")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(clusters).contains("a::127.0.0.1:" + up.port() + "::health_flags::healthy");
    JsonNode cj = JSON.readTree(client.send(HttpRequest.newBuilder(URI.create(base + "/clusters?format=json")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertThat(cj.get("cluster_statuses").size()).isEqualTo(5);
    JsonNode dump = JSON.readTree(client.send(HttpRequest.newBuilder(URI.create(base + "/config_dump")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertThat(dump.get("listeners").get(0).get("version_info").asText()).isEqualTo("static");
    assertThat(dump.get("clusters").size()).isEqualTo(5);
    HttpResponse<String> getFail = client.send(HttpRequest.newBuilder(URI.create(base + "/healthcheck/fail")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(getFail.statusCode()).isEqualTo(405);
    JsonNode xds = JSON.readTree(client.send(HttpRequest.newBuilder(URI.create(base + "/xds_status")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertThat(xds.get("state").asText()).isEqualTo("not configured");
    String listeners = client.send(HttpRequest.newBuilder(URI.create(base + "/listeners")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(listeners).contains("http::127.0.0.1:" + port);
  }
}
