package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Poll;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.TestAppProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Envoy's local rate limit filter (token bucket of 10 per second for the listener) through the
 * proxy process in front of testapp: a burst of 30 gets 429 with flag RL for the excess.
 */
@MeshTest
class RateLimitE2ETest {

  static String config(int listenerPort, int adminPort, int upstreamPort, Path accessLog) {
    return """
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        static_resources:
          listeners:
          - name: limited
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: limited
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: %s
                      log_format: { text_format_source: { inline_string: "%%RESPONSE_CODE%% %%RESPONSE_FLAGS%%\\n" } }
                  http_filters:
                  - name: envoy.filters.http.local_ratelimit
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                      stat_prefix: http_local_rate_limiter
                      token_bucket: { max_tokens: 10, tokens_per_fill: 10, fill_interval: 1s }
                      filter_enabled:
                        runtime_key: local_rate_limit_enabled
                        default_value: { numerator: 100, denominator: HUNDRED }
                      filter_enforced:
                        runtime_key: local_rate_limit_enforced
                        default_value: { numerator: 100, denominator: HUNDRED }
                      response_headers_to_add:
                      - append_action: OVERWRITE_IF_EXISTS_OR_ADD
                        header: { key: x-local-rate-limit, value: "true" }
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  route_config:
                    virtual_hosts:
                    - name: app
                      domains: ["*"]
                      routes:
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
  void burstBeyondTheBucketGets429RateLimited(MeshProcesses mesh) throws Exception {
    TestAppProcess app = mesh.testapp("app");
    int[] ports = Ports.free(2);
    Path log = mesh.files().resolve("ratelimit-access.log");
    ProxyProcess proxy = mesh.meshProxy("proxy",
        mesh.writeFile("ratelimit.yaml", config(ports[0], ports[1], app.httpPort(), log)), ports[1]);
    String url = "http://127.0.0.1:" + ports[0] + "/get";

    long start = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      burst.add(Http.http1().sendAsync(Http.request(url).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int limited = 0;
    for (CompletableFuture<HttpResponse<String>> f : burst) {
      HttpResponse<String> r = f.get();
      if (r.statusCode() == 429) {
        limited++;
        assertThat(r.body()).isEqualTo("local_rate_limited");
        assertThat(r.headers().firstValue("x-local-rate-limit")).contains("true");
      } else {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-served-by")).contains("app");
        ok++;
      }
    }
    long fills = Duration.ofNanos(System.nanoTime() - start).toSeconds(); // refills while the burst ran (normally 0)
    assertThat(ok + limited).isEqualTo(30);
    assertThat(ok).as("the bucket's 10 tokens (plus 10 per second the burst took)").isBetween(10, (int) (10 + 10 * fills));
    assertThat(limited).isPositive();
    assertThat(proxy.admin().stat("http_local_rate_limiter.http_local_rate_limit.rate_limited")).isEqualTo(limited);
    assertThat(proxy.admin().stat("http_local_rate_limiter.http_local_rate_limit.ok")).isEqualTo(ok);

    int expectLimited = limited;
    Poll.until("30 access log lines", Duration.ofSeconds(10),
        () -> Files.exists(log) && Files.readAllLines(log).size() >= 30);
    List<String> lines = Files.readAllLines(log);
    assertThat(lines.stream().filter(l -> l.equals("429 RL")).count()).isEqualTo(expectLimited);
    assertThat(lines.stream().filter(l -> l.equals("200 -")).count()).isEqualTo(ok);
  }
}
