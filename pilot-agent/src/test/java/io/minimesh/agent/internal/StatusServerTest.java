package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatusServerTest {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicReference<Readiness> readiness =
      new AtomicReference<>(Readiness.notReady(Readiness.NOT_RECEIVED));
  private final AtomicInteger quits = new AtomicInteger();
  private FakeHttpServer app;
  private StatusServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    if (app != null) {
      app.close();
    }
  }

  private void start(AppProbers probers, String metrics) throws Exception {
    server = new StatusServer("127.0.0.1", 0, readiness::get, probers, () -> metrics, quits::incrementAndGet);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyEndpointAnswers503WithReasonThen200() throws Exception {
    start(new AppProbers(Map.of(), "127.0.0.1"), "");
    HttpResponse<String> r = get("/healthz/ready");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("config not received from XDS server (is pilot running?)\n");

    readiness.set(Readiness.READY);
    assertThat(get("/healthz/ready").statusCode()).isEqualTo(200);
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz/ready"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void applicationProbesAreForwardedAsDescribedInTheEnvironment() throws Exception {
    app = new FakeHttpServer().reply("/ready", 200, "ok").reply("/live", 500, "dead");
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    String json = "{\"/app-health/web/readyz\":{\"httpGet\":{\"path\":\"/ready\",\"port\":" + app.port()
        + ",\"httpHeaders\":[{\"name\":\"X-Probe\",\"value\":\"yes\"}]},\"timeoutSeconds\":3},"
        + "\"/app-health/web/livez\":{\"httpGet\":{\"path\":\"live\",\"port\":\"" + app.port() + "\"}},"
        + "\"/app-health/db/livez\":{\"tcpSocket\":{\"port\":" + app.port() + "}},"
        + "\"/app-health/db/readyz\":{\"tcpSocket\":{\"port\":" + closedPort + "}}}";
    start(AppProbers.fromEnv(new Env(Map.of("MINIMESH_KUBE_APP_PROBERS", json)), "127.0.0.1"), "");

    HttpResponse<String> ready = get("/app-health/web/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ok");
    assertThat(app.requests).anySatisfy(s -> {
      assertThat(s.pathAndQuery()).isEqualTo("/ready");
      assertThat(s.headers().get("X-probe")).containsExactly("yes");
    });
    assertThat(get("/app-health/web/livez").statusCode()).isEqualTo(500);
    assertThat(get("/app-health/db/livez").statusCode()).isEqualTo(200);
    assertThat(get("/app-health/db/readyz").statusCode()).isEqualTo(500);
    HttpResponse<String> unknown = get("/app-health/other/readyz");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no application probe registered for /app-health/other/readyz");
  }

  @Test
  void istioVariableIsHonouredAndBadJsonIsAClearError() {
    AppProbers p = AppProbers.fromEnv(new Env(Map.of("ISTIO_KUBE_APP_PROBERS",
        "{\"/app-health/a/livez\":{\"tcpSocket\":{\"port\":1}}}")), "127.0.0.1");
    assertThat(p.isEmpty()).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AppProbers.fromEnv(
            new Env(Map.of("MINIMESH_KUBE_APP_PROBERS", "{\"/app-health/a/livez\":{\"exec\":{}}}")), "127.0.0.1"))
        .hasMessage("MINIMESH_KUBE_APP_PROBERS[\"/app-health/a/livez\"]: expected httpGet or tcpSocket");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AppProbers.fromEnv(
            new Env(Map.of("MINIMESH_KUBE_APP_PROBERS", "{oops")), "127.0.0.1"))
        .hasMessageStartingWith("MINIMESH_KUBE_APP_PROBERS is not valid JSON");
  }

  @Test
  void metricsAndQuit() throws Exception {
    start(new AppProbers(Map.of(), "127.0.0.1"), "# TYPE a counter\na 1\n");
    HttpResponse<String> m = get("/stats/prometheus");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(m.body()).isEqualTo("# TYPE a counter\na 1\n");

    assertThat(get("/quitquitquit").statusCode()).isEqualTo(405);
    HttpResponse<String> q = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/quitquitquit"))
            .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(q.statusCode()).isEqualTo(200);
    assertThat(quits.get()).isEqualTo(1);
  }
}
