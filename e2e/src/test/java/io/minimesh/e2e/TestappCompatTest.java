package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Curl;
import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.HttpbinProcess;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.Prerequisite;
import io.minimesh.e2e.harness.Requires;
import io.minimesh.e2e.harness.TestAppProcess;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The testapp answers like Debian's httpbin, so tests can use either; and it behaves as a process. */
@MeshTest
class TestappCompatTest {

  @Test
  @Requires(Prerequisite.HTTPBIN)
  void headersAndAnythingLookLikeHttpbins(MeshProcesses mesh) {
    HttpbinProcess httpbin = mesh.httpbin();
    TestAppProcess app = mesh.testapp("webapp");
    for (String path : new String[] {"/headers", "/anything/x?a=1&a=2&b=3", "/get?q=1"}) {
      JsonNode expected = normalize(Http.get(httpbin.url(path), "x-b3-traceid", "t1", "X-Custom", "v").json());
      JsonNode actual = normalize(Http.get(app.url(path), "x-b3-traceid", "t1", "X-Custom", "v").json());
      assertThat(actual).as(path).isEqualTo(expected);
    }
    String body = "{\"k\":[1,2]}";
    JsonNode expected = normalize(Http.post(httpbin.url("/anything"), body, "content-type", "application/json").json());
    JsonNode actual = normalize(Http.post(app.url("/anything"), body, "content-type", "application/json").json());
    assertThat(actual).as("POST /anything").isEqualTo(expected);
  }

  /** Drops what differs by nature (ports in Host and url). */
  private static JsonNode normalize(JsonNode n) {
    ObjectNode o = n.deepCopy();
    if (o.get("headers") instanceof ObjectNode h) {
      h.remove("Host");
    }
    if (o.has("url")) {
      o.put("url", o.get("url").asText().replaceFirst("^http://[^/]+", ""));
    }
    return o;
  }

  @Test
  @Requires(Prerequisite.CURL)
  void h2cWithPriorKnowledge(MeshProcesses mesh) {
    TestAppProcess app = mesh.testapp("webapp");
    CommandResult r = Curl.run("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
        app.url("/status/202"));
    assertThat(r.assertOk().stdout()).isEqualTo("2 202");
  }

  @Test
  void stopsOnSigtermAndFreesItsPorts(MeshProcesses mesh) {
    TestAppProcess app = mesh.testapp("webapp");
    app.process().terminate();
    app.process().awaitExit(Duration.ofSeconds(10));
    assertThat(Ports.accepting(app.host(), app.httpPort())).isFalse();
    assertThat(Ports.accepting(app.host(), app.tcpPort())).isFalse();
  }
}
