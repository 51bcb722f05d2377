package io.minimesh.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.TestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HTTP/1.1 connection manager pipeline (guard, decoder, encoder, DownstreamHandler) on an EmbeddedChannel. */
@ExtendWith(LeakCheck.class)
class DownstreamHandlerTest {
  static final String YAML =
      """
      static_resources:
        listeners:
        - name: l
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              http_connection_manager:
                stat_prefix: t
                request_headers_timeout: 0.5s
                idle_timeout: 5s
                max_request_headers_kb: 2
                max_request_body_bytes: 10
                access_log: [{path: /dev/null}]
                route_config:
                  virtual_hosts:
                  - name: catalog
                    domains: ["catalog.example", "catalog.example:*"]
                    routes:
                    - match: {path: "/headers"}
                      direct_response: {status: 200, body: {inline_string: "catalog"}}
                  - name: v
                    domains: ["*"]
                    routes:
                    - match: {path: "/direct"}
                      direct_response: {status: 200, body: {inline_string: "hello"}}
                    - match: {path: "/go"}
                      redirect: {host_redirect: "example.org"}
                    - match: {path: "/missing-cluster"}
                      route: {cluster: nope}
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

  String exchange(String request) {
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
    ch.runPendingTasks();
    return drain();
  }

  String drain() {
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return sb.toString();
  }

  @Test
  void directResponseKeepsConnection() {
    String r = exchange("GET /direct HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200 OK").contains("content-length: 5").endsWith("\r\n\r\nhello");
    assertThat(ch.isActive()).isTrue();
    assertThat(exchange("GET /direct HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 200 OK");
    assertThat(ctx.stats.snapshot()).containsEntry("http.t.downstream_rq_total", 2L).containsEntry("http.t.downstream_rq_2xx", 2L);
  }

  @Test
  void headHasNoBody() {
    String r = exchange("HEAD /direct HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200 OK").contains("content-length: 5").endsWith("\r\n\r\n");
  }

  @Test
  void noRouteIs404WithEmptyBody() {
    String r = exchange("GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 404 Not Found").contains("content-length: 0");
    assertThat(ch.isActive()).isTrue();
  }

  @Test
  void unknownClusterIs503() {
    assertThat(exchange("GET /missing-cluster HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 503");
  }

  @Test
  void redirect() {
    assertThat(exchange("GET /go?a=1 HTTP/1.1\r\nHost: a\r\n\r\n"))
        .startsWith("HTTP/1.1 301").contains("location: http://example.org/go?a=1");
  }

  @Test
  void pipelinedRequestsAnsweredInOrder() {
    String r = exchange("GET /direct HTTP/1.1\r\nHost: a\r\n\r\nGET /nothing HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(r.indexOf("HTTP/1.1 200")).isLessThan(r.indexOf("HTTP/1.1 404"));
  }

  @Test
  void badRequestLineIs400AndCloses() {
    assertThat(exchange("NOT HTTP\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void hugeHeadersAre431() {
    assertThat(exchange("GET / HTTP/1.1\r\nHost: a\r\nX: " + "y".repeat(3000) + "\r\n\r\n")).startsWith("HTTP/1.1 431");
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void contentLengthWithChunkedIs400() {
    assertThat(exchange("POST /direct HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
        .startsWith("HTTP/1.1 400");
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void bodyOverLimitIs413() {
    assertThat(exchange("POST /direct HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"))
        .startsWith("HTTP/1.1 413");
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void missingHostIs400() {
    assertThat(exchange("GET /direct HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400");
  }

  @Test
  void headerTimeoutAnswers408() {
    ch.writeInbound(Unpooled.copiedBuffer("GET /direct HT", StandardCharsets.US_ASCII));
    ch.advanceTimeBy(600, TimeUnit.MILLISECONDS);
    ch.runPendingTasks();
    assertThat(drain()).startsWith("HTTP/1.1 408").endsWith("request header timeout");
    assertThat(ch.isActive()).isFalse();
    assertThat(ctx.stats.snapshot()).containsEntry("http.t.downstream_rq_header_timeout", 1L);
  }

  @Test
  void idleConnectionIsClosed() {
    assertThat(exchange("GET /direct HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 200");
    ch.advanceTimeBy(4, TimeUnit.SECONDS);
    ch.runPendingTasks();
    assertThat(ch.isActive()).isTrue();
    ch.advanceTimeBy(2, TimeUnit.SECONDS);
    ch.runPendingTasks();
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void expectContinueIsAnsweredByProxy() {
    String r = exchange("POST /direct HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 100 Continue").contains("HTTP/1.1 200 OK");
  }

  @Test
  void absoluteFormRoutesByTheUriAuthority() {
    // What `curl -x http://sidecar:15001 http://catalog.example/headers` sends: the Host header loses.
    String r = exchange("GET http://catalog.example/headers HTTP/1.1\r\nHost: elsewhere\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200 OK").endsWith("catalog");
    assertThat(exchange("GET http://CATALOG.example:8080/headers HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200 OK");
    assertThat(exchange("GET http://catalog.example?x=1 HTTP/1.1\r\nHost: catalog.example\r\n\r\n")).startsWith("HTTP/1.1 404");
    assertThat(exchange("GET http://other.example/direct HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200 OK").endsWith("hello");
  }

  @Test
  void absoluteUriParts() {
    assertThat(AbsoluteUri.parse("http://u:p@a.b:81/x?y#f")).isEqualTo(new AbsoluteUri("http", "a.b:81", "/x?y"));
    assertThat(AbsoluteUri.parse("HTTPS://a.b?q")).isEqualTo(new AbsoluteUri("https", "a.b", "/?q"));
    assertThat(AbsoluteUri.parse("/path")).isNull();
    assertThat(AbsoluteUri.parse("ftp://a/b")).isNull();
    assertThat(AbsoluteUri.parse("http:///nohost")).isNull();
  }
}
