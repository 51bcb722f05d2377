package io.minimesh.dataplane.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.runtime.ProxyRuntime;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An Envoy front-proxy bootstrap with the health_check filter and v3 CORS policies, through a real
 * proxy: health checks are answered by the proxy, CORS preflights per the merged policies.
 */
class EnvoyFiltersProxyTest {
  static TestUpstream up;
  static ProxyRuntime proxy;
  static int port;
  static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    up = new TestUpstream("svc", false);
    String yaml = """
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        static_resources:
          listeners:
          - name: front
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  route_config:
                    virtual_hosts:
                    - name: www
                      domains: ["*"]
                      typed_per_filter_config:
                        envoy.filters.http.cors:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                          allow_origin_string_match: [{safe_regex: {regex: ".*\\\\.example\\\\.com"}}]
                          allow_methods: "GET"
                      routes:
                      - match: {prefix: "/cors/disabled"}
                        route: {cluster: svc}
                        typed_per_filter_config:
                          envoy.filters.http.cors:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                            filter_enabled: {default_value: {numerator: 0, denominator: HUNDRED}}
                      - match: {prefix: "/"}
                        route: {cluster: svc}
                  http_filters:
                  - name: envoy.filters.http.health_check
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
                      pass_through_mode: false
                      headers:
                      - name: ":path"
                        exact_match: "/healthcheck"
                  - name: envoy.filters.http.cors
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          clusters:
        """ + Proxies.staticCluster("svc", "", up.port());
    proxy = Proxies.start(yaml);
    port = proxy.listenerAddress("front").getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) proxy.close();
    if (up != null) up.close();
  }

  static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthCheckIsAnsweredByTheProxy() throws Exception {
    HttpResponse<String> r = send("GET", "/healthcheck");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-served-by")).isEmpty();
    assertThat(up.hits("/healthcheck")).isZero();
    HttpResponse<String> other = send("GET", "/healthcheck/deep");
    assertThat(other.headers().firstValue("x-served-by")).contains("svc");
  }

  @Test
  void corsPreflightFollowsTheTypedPolicies() throws Exception {
    HttpResponse<String> ok = send("OPTIONS", "/api", "Origin", "https://a.example.com",
        "Access-Control-Request-Method", "GET");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("access-control-allow-origin")).contains("https://a.example.com");
    assertThat(ok.headers().firstValue("access-control-allow-methods")).contains("GET");
    HttpResponse<String> off = send("GET", "/cors/disabled", "Origin", "https://a.example.com");
    assertThat(off.headers().firstValue("access-control-allow-origin")).isEmpty();
    HttpResponse<String> on = send("GET", "/x", "Origin", "https://a.example.com");
    assertThat(on.headers().firstValue("access-control-allow-origin")).contains("https://a.example.com");
  }
}
