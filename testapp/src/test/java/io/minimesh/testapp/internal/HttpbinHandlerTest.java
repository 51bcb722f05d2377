package io.minimesh.testapp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpbinHandlerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final EmbeddedChannel channel = new EmbeddedChannel(new HttpbinHandler("app-1"));

  @AfterEach
  void close() {
    assertThat(channel.finishAndReleaseAll()).as("nothing left unread").isFalse();
  }

  private static FullHttpRequest request(HttpMethod method, String uri, String body, String... headers) {
    FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().set("host", "example.test");
    for (int i = 0; i < headers.length; i += 2) {
      r.headers().add(headers[i], headers[i + 1]);
    }
    return r;
  }

  private FullHttpResponse exchange(FullHttpRequest req) {
    channel.writeInbound(req);
    assertThat(req.refCnt()).as("request released").isZero();
    FullHttpResponse response = channel.readOutbound();
    assertThat(response).isNotNull();
    return response;
  }

  private static JsonNode body(FullHttpResponse r) throws Exception {
    try {
      return JSON.readTree(r.content().toString(StandardCharsets.UTF_8));
    } finally {
      r.release();
    }
  }

  @Test
  void headersAreTitleCasedLikeHttpbinAndEveryResponseNamesTheServer() throws Exception {
    FullHttpResponse r = exchange(request(HttpMethod.GET, "/headers", "",
        "x-b3-traceid", "abc", "accept", "a", "accept", "b", "x-http2-stream-id", "3"));
    assertThat(r.status().code()).isEqualTo(200);
    assertThat(r.headers().get("x-served-by")).isEqualTo("app-1");
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    JsonNode headers = body(r).get("headers");
    assertThat(headers.get("X-B3-Traceid").asText()).isEqualTo("abc");
    assertThat(headers.get("Accept").asText()).isEqualTo("a,b");
    assertThat(headers.get("Host").asText()).isEqualTo("example.test");
    assertThat(headers.has("X-Http2-Stream-Id")).as("internal conversion header hidden").isFalse();
  }

  @Test
  void anythingEchoesMethodArgsBodyAndParsedJson() throws Exception {
    FullHttpResponse r = exchange(request(HttpMethod.POST, "/anything/x?a=1&a=2&b=3", "{\"k\":[1,2]}",
        "content-type", "application/json"));
    JsonNode o = body(r);
    assertThat(o.get("method").asText()).isEqualTo("POST");
    assertThat(o.get("url").asText()).isEqualTo("http://example.test/anything/x?a=1&a=2&b=3");
    assertThat(o.get("args").get("a").toString()).isEqualTo("[\"1\",\"2\"]");
    assertThat(o.get("args").get("b").asText()).isEqualTo("3");
    assertThat(o.get("data").asText()).isEqualTo("{\"k\":[1,2]}");
    assertThat(o.get("json").get("k").get(1).asInt()).isEqualTo(2);
  }

  @Test
  void anythingParsesForms() throws Exception {
    JsonNode o = body(exchange(request(HttpMethod.PUT, "/anything", "x=1&y=2",
        "content-type", "application/x-www-form-urlencoded")));
    assertThat(o.get("form").get("y").asText()).isEqualTo("2");
    assertThat(o.get("data").asText()).isEmpty();
    assertThat(o.get("json").isNull()).isTrue();
  }

  @Test
  void statusReturnsTheCodeAndRejectsGarbage() {
    FullHttpResponse r = exchange(request(HttpMethod.GET, "/status/503", ""));
    assertThat(r.status().code()).isEqualTo(503);
    assertThat(r.headers().get("x-served-by")).isEqualTo("app-1");
    r.release();
    FullHttpResponse bad = exchange(request(HttpMethod.GET, "/status/abc", ""));
    assertThat(bad.status().code()).isEqualTo(400);
    bad.release();
  }

  @Test
  void statusChoosesAmongWeightedCodes() {
    Random random = new Random(1);
    int fives = 0;
    for (int i = 0; i < 1000; i++) {
      int code = HttpbinHandler.chooseStatus("200:0.75,500:0.25", random);
      assertThat(code).isIn(200, 500);
      fives += code == 500 ? 1 : 0;
    }
    assertThat(fives).isBetween(180, 320);
    assertThat(HttpbinHandler.chooseStatus("404", random)).isEqualTo(404);
    assertThatThrownBy(() -> HttpbinHandler.chooseStatus("99", random)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpbinHandler.chooseStatus("", random)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void delayIsScheduledNotBlockingAndCapped() throws Exception {
    channel.freezeTime();
    channel.writeInbound(request(HttpMethod.GET, "/delay/30", ""));
    assertThat((Object) channel.readOutbound()).as("nothing before the delay").isNull();
    channel.advanceTimeBy(9_900, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat((Object) channel.readOutbound()).isNull();
    channel.advanceTimeBy(100, TimeUnit.MILLISECONDS); // capped at 10 s
    channel.runScheduledPendingTasks();
    FullHttpResponse r = channel.readOutbound();
    assertThat(r.status().code()).isEqualTo(200);
    assertThat(body(r).get("url").asText()).isEqualTo("http://example.test/delay/30");
  }

  @Test
  void bytesAreDeterministicWithASeed() {
    FullHttpResponse a = exchange(request(HttpMethod.GET, "/bytes/64?seed=7", ""));
    FullHttpResponse b = exchange(request(HttpMethod.GET, "/bytes/64?seed=7", ""));
    assertThat(a.content().readableBytes()).isEqualTo(64);
    assertThat(a.headers().getInt("content-length")).isEqualTo(64);
    assertThat(a.content()).isEqualTo(b.content());
    a.release();
    b.release();
  }

  @Test
  void streamSendsOneJsonLinePerChunk() throws Exception {
    channel.writeInbound(request(HttpMethod.GET, "/stream/3", ""));
    HttpResponse head = channel.readOutbound();
    assertThat(head.headers().get("transfer-encoding")).isEqualTo("chunked");
    assertThat(head.headers().get("x-served-by")).isEqualTo("app-1");
    for (int i = 0; i < 3; i++) {
      HttpContent chunk = channel.readOutbound();
      try {
        assertThat(JSON.readTree(chunk.content().toString(StandardCharsets.UTF_8)).get("id").asInt()).isEqualTo(i);
      } finally {
        chunk.release();
      }
    }
    assertThat((Object) channel.readOutbound()).isInstanceOf(LastHttpContent.class);
  }

  @Test
  void headHasNoBodyButTheGetContentLength() {
    FullHttpResponse r = exchange(request(HttpMethod.HEAD, "/get", ""));
    assertThat(r.content().readableBytes()).isZero();
    assertThat(r.headers().getInt("content-length")).isPositive();
    r.release();
  }

  @Test
  void unknownPathIs404AndGetRejectsPost() {
    FullHttpResponse r = exchange(request(HttpMethod.GET, "/nope", ""));
    assertThat(r.status().code()).isEqualTo(404);
    r.release();
    FullHttpResponse p = exchange(request(HttpMethod.POST, "/get", ""));
    assertThat(p.status().code()).isEqualTo(405);
    p.release();
  }

  @Test
  void connectionCloseIsHonoured() {
    FullHttpResponse r = exchange(request(HttpMethod.GET, "/ip", "", "connection", "close"));
    assertThat(r.headers().get("connection")).isEqualTo("close");
    r.release();
    assertThat(channel.isOpen()).isFalse();
  }
}
