package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Mirroring and retries through the proxy with real sockets (Envoy YAML). */
@ExtendWith(LeakCheck.class)
class ResilienceProxyTest {
  static TestUpstream a;
  static TestUpstream b;
  static TestUpstream mirror;
  static ServerSocket silent; // accepts connections (backlog) but never answers
  static ProxyRuntime proxy;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    a = new TestUpstream("a", false);
    b = new TestUpstream("b", false);
    mirror = new TestUpstream("m", false);
    silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    String yaml =
        """
        static_resources:
          listeners:
          - name: http
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  http_filters:
                  - name: envoy.filters.http.router
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/mirrored/"}
                        route:
                          cluster: a
                          prefix_rewrite: "/"
                          request_mirror_policies:
                          - cluster: m
                            runtime_fraction: {default_value: {numerator: 100}}
                      - match: {prefix: "/silent-mirror/"}
                        route:
                          cluster: a
                          prefix_rewrite: "/"
                          timeout: 30s
                          request_mirror_policies: [{cluster: silent}]
                      - match: {prefix: "/codes/"}
                        route:
                          cluster: ab
                          prefix_rewrite: "/"
                          retry_policy:
                            retry_on: retriable-status-codes
                            retriable_status_codes: [503]
                            num_retries: 2
                            retry_back_off: {base_interval: 0.001s}
                            retry_host_predicate: [{name: envoy.retry_host_predicates.previous_hosts}]
                      - match: {prefix: "/overflow/"}
                        route:
                          cluster: nobudget
                          prefix_rewrite: "/"
                          retry_policy: {retry_on: 5xx, num_retries: 2, retry_back_off: {base_interval: 0.001s}}
                      - match: {prefix: "/budget/"}
                        route:
                          cluster: nobudget
                          prefix_rewrite: "/"
                          retry_policy:
                            retry_on: 5xx
                            num_retries: 1
                            retry_back_off: {base_interval: 0.001s}
                            budget_percent: {value: 50}
                            min_retry_concurrency: 1
                      - match: {prefix: "/headers-policy/"}
                        route: {cluster: ab, prefix_rewrite: "/"}
                      - match: {prefix: "/streamed/"}
                        route:
                          cluster: a
                          prefix_rewrite: "/"
                          retry_policy: {retry_on: 5xx, num_retries: 2, retry_back_off: {base_interval: 0.001s}}
          clusters:
        """
            + Proxies.staticCluster("a", "", a.port())
            + Proxies.staticCluster("ab", "", a.port(), b.port())
            + Proxies.staticCluster("m", "", mirror.port())
            + Proxies.staticCluster("silent", "", silent.getLocalPort())
            + Proxies.staticCluster("nobudget", "    circuit_breakers: {thresholds: [{max_retries: 0}]}\n", a.port());
    proxy = Proxies.start(yaml);
    port = proxy.listenerAddress("http").getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) proxy.close();
    for (TestUpstream u : new TestUpstream[] {a, b, mirror}) if (u != null) u.close();
    if (silent != null) silent.close();
  }

  /** One HTTP/1.1 exchange on a fresh connection; returns the raw response. */
  static String exchange(String request, byte[] body) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      String head = ProxyHttpTest.readResponseHead(in);
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
      int len = m.find() ? Integer.parseInt(m.group(1)) : 0;
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      got.write(head.getBytes(StandardCharsets.ISO_8859_1));
      got.write(in.readNBytes(len));
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  static String get(String path, String... headers) throws Exception {
    StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: svc.example:8000\r\nConnection: close\r\n");
    for (int i = 0; i < headers.length; i += 2) sb.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    return exchange(sb.append("\r\n").toString(), null);
  }

  static long stat(String name) {
    return proxy.stats().snapshot().getOrDefault(name, 0L);
  }

  @Test
  void mirrorGetsACopyWithShadowHostAndBody() throws Exception {
    String body = "payload-123";
    String r = exchange("POST /mirrored/echo HTTP/1.1\r\nHost: svc.example:8000\r\nConnection: close\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n", body.getBytes(StandardCharsets.UTF_8));
    assertThat(r).startsWith("HTTP/1.1 200").contains("x-served-by: a").endsWith(body);
    await().atMost(Duration.ofSeconds(10)).until(() -> mirror.hits("/echo") == 1);
    assertThat(mirror.lastHeaders()).containsEntry("host", "svc.example-shadow:8000");
    assertThat(mirror.lastBody()).isEqualTo(body);
    assertThat(a.lastHeaders().get("host")).isEqualTo("svc.example:8000");
  }

  @Test
  void connectionCloseRequestEndsTheConnectionAfterTheResponse() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /mirrored/x HTTP/1.1\r\nHost: svc\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1); // to EOF
      assertThat(all).startsWith("HTTP/1.1 200").contains("connection: close").endsWith("ok /x");
    }
  }

  @Test
  void mirrorThatNeverAnswersDoesNotHoldTheClient() throws Exception {
    // The route timeout is 30 s and the mirror never answers; the client's read timeout is 10 s.
    String r = get("/silent-mirror/headers");
    assertThat(r).startsWith("HTTP/1.1 200").contains("x-served-by: a");
  }

  @Test
  void mirrorThatDoesNotReadDoesNotStallALargeUpload() throws Exception {
    // The silent mirror never reads: its copy backs up (and is dropped past 1 MiB); the primary is not slowed.
    byte[] big = new byte[3 << 20];
    java.util.Arrays.fill(big, (byte) 'y');
    String r = exchange("POST /silent-mirror/echo HTTP/1.1\r\nHost: svc\r\nConnection: close\r\nContent-Length: "
        + big.length + "\r\n\r\n", big);
    assertThat(r).startsWith("HTTP/1.1 200").contains("x-served-by: a");
    assertThat(a.lastBody()).hasSize(big.length);
  }

  @Test
  void retriableStatusCodeRetriesOnAnotherHost() throws Exception {
    long retries = stat("cluster.ab.upstream_rq_retry");
    for (int i = 0; i < 4; i++) {
      String r = get("/codes/status-on/a/503");
      assertThat(r).startsWith("HTTP/1.1 200").contains("x-served-by: b");
    }
    long done = stat("cluster.ab.upstream_rq_retry") - retries;
    assertThat(done).as("round robin sends some first tries to a").isPositive();
    assertThat(stat("cluster.ab.upstream_rq_retry_success")).isGreaterThanOrEqualTo(done);
    assertThat(a.hits("/status-on/a/503")).isEqualTo((int) done);
  }

  @Test
  void retryOverflowWhenTheCircuitBreakerAllowsNone() throws Exception {
    long overflow = stat("cluster.nobudget.upstream_rq_retry_overflow");
    long retries = stat("cluster.nobudget.upstream_rq_retry");
    assertThat(get("/overflow/status/503")).startsWith("HTTP/1.1 503");
    assertThat(stat("cluster.nobudget.upstream_rq_retry_overflow")).isEqualTo(overflow + 1);
    assertThat(stat("cluster.nobudget.upstream_rq_retry")).isEqualTo(retries);
  }

  @Test
  void retryBudgetReplacesMaxRetries() throws Exception {
    long overflow = stat("cluster.nobudget.upstream_rq_retry_overflow");
    long retries = stat("cluster.nobudget.upstream_rq_retry");
    // max_retries is 0, but the budget allows min_retry_concurrency (1) retry in flight.
    assertThat(get("/budget/status/503")).startsWith("HTTP/1.1 503");
    assertThat(stat("cluster.nobudget.upstream_rq_retry")).isEqualTo(retries + 1);
    assertThat(stat("cluster.nobudget.upstream_rq_retry_overflow")).isEqualTo(overflow);
  }

  @Test
  void retryHeadersFromATrustedClientSetThePolicyAndAreNotForwarded() throws Exception {
    for (int i = 0; i < 4; i++) {
      String r = get("/headers-policy/status-on/b/503", "x-envoy-retry-on", "retriable-status-codes",
          "x-envoy-retriable-status-codes", "503", "x-envoy-max-retries", "3");
      assertThat(r).startsWith("HTTP/1.1 200").contains("x-served-by: a");
    }
    assertThat(a.lastHeaders()).doesNotContainKeys("x-envoy-retry-on", "x-envoy-max-retries", "x-envoy-retriable-status-codes");
    assertThat(b.hits("/status-on/b/503")).isPositive();
  }

  @Test
  void bodyStreamedBeyondTheReplayBufferIsNotRetried() throws Exception {
    long before = stat("cluster.a.upstream_rq_retry");
    byte[] big = new byte[(1 << 20) + 4096];
    java.util.Arrays.fill(big, (byte) 'x');
    String r = exchange("POST /streamed/status/503 HTTP/1.1\r\nHost: svc\r\nConnection: close\r\nContent-Length: "
        + big.length + "\r\n\r\n", big);
    assertThat(r).startsWith("HTTP/1.1 503");
    assertThat(stat("cluster.a.upstream_rq_retry")).isEqualTo(before);
    // A small body is replayed: the same route retries it.
    String small = exchange("POST /streamed/status/503 HTTP/1.1\r\nHost: svc\r\nConnection: close\r\nContent-Length: 2\r\n\r\n",
        "hi".getBytes(StandardCharsets.UTF_8));
    assertThat(small).startsWith("HTTP/1.1 503");
    assertThat(stat("cluster.a.upstream_rq_retry")).isEqualTo(before + 2);
  }
}
