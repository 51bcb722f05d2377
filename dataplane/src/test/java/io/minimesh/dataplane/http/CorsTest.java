package io.minimesh.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.TestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** CORS on a virtual host (Istio's corsPolicy): preflights answered by the proxy, headers on responses. */
@ExtendWith(LeakCheck.class)
class CorsTest {
  static final String YAML =
      """
      static_resources:
        listeners:
        - name: l
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: t
                route_config:
                  virtual_hosts:
                  - name: web
                    domains: ["*"]
                    cors:
                      allow_origin_string_match: [{exact: "https://app.example.com"}, {suffix: ".trusted.example"}]
                      allow_methods: "GET, POST"
                      allow_headers: "x-custom"
                      expose_headers: "x-reply"
                      max_age: "600"
                      allow_credentials: true
                    routes:
                    - match: {prefix: "/"}
                      direct_response: {status: 200, body: {inline_string: "app"}}
      """;

  TestContext ctx;
  EmbeddedChannel ch;

  @BeforeEach
  void setUp() throws Exception {
    ctx = new TestContext(YAML);
    ch = new EmbeddedChannel();
    HttpConnectionInit.installHttp1(ch.pipeline(), ctx, () -> ctx.hcm("l"));
  }

  @AfterEach
  void tearDown() {
    ch.finishAndReleaseAll();
    ctx.close();
  }

  String send(String request) {
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
    ch.runPendingTasks();
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return sb.toString().toLowerCase(java.util.Locale.ROOT);
  }

  @Test
  void preflightFromAnAllowedOriginIsAnsweredByTheProxy() {
    String r = send("OPTIONS /api HTTP/1.1\r\nHost: a\r\nOrigin: https://app.example.com\r\n"
        + "Access-Control-Request-Method: POST\r\n\r\n");
    assertThat(r).startsWith("http/1.1 200")
        .contains("access-control-allow-origin: https://app.example.com")
        .contains("access-control-allow-methods: get, post")
        .contains("access-control-allow-headers: x-custom")
        .contains("access-control-max-age: 600")
        .contains("access-control-allow-credentials: true")
        .doesNotContain("\r\n\r\napp");
  }

  @Test
  void responsesToAnAllowedOriginCarryTheAllowAndExposeHeaders() {
    String r = send("GET /api HTTP/1.1\r\nHost: a\r\nOrigin: https://x.trusted.example\r\n\r\n");
    assertThat(r).startsWith("http/1.1 200").endsWith("app")
        .contains("access-control-allow-origin: https://x.trusted.example")
        .contains("access-control-expose-headers: x-reply")
        .doesNotContain("access-control-allow-methods");
  }

  @Test
  void anOriginTheyDoNotAllowGetsNoCorsHeaders() {
    String pre = send("OPTIONS /api HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n"
        + "Access-Control-Request-Method: POST\r\n\r\n");
    assertThat(pre).doesNotContain("access-control-allow-origin");
    String get = send("GET /api HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n\r\n");
    assertThat(get).startsWith("http/1.1 200").doesNotContain("access-control-");
    assertThat(send("GET /api HTTP/1.1\r\nHost: a\r\n\r\n")).doesNotContain("access-control-");
  }
}
