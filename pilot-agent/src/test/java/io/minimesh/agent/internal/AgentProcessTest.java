package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pilot-agent proxy} as a real process supervising a real child, told to stop two ways. */
class AgentProcessTest {
  private static final Pattern READY = Pattern.compile("pilot-agent: READY status=(\\d+) metrics=(\\d+) .*");
  private static final Duration LONG = Duration.ofSeconds(30);

  @TempDir Path dir;
  private FakeHttpServer admin;
  private Process agent;
  private volatile List<String> lines = List.of();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private int statusPort;
  private int metricsPort;

  @BeforeEach
  void fakeProxyAdmin() throws Exception {
    admin = new FakeHttpServer()
        .reply("/xds_status", 200, FakeHttpServer.xdsStatus(1, 0, "", 1, 0, ""))
        .reply("/ready", 200, "LIVE\n")
        .reply("/drain_listeners", 200, "OK\n")
        .reply("/stats/prometheus", 200, "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n");
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.descendants().forEach(ProcessHandle::destroyForcibly);
      agent.destroyForcibly();
    }
    admin.close();
  }

  private void startAgent() throws Exception {
    String child = "sh -c 'trap \"echo term > " + dir.resolve("term") + "; exit 0\" TERM; echo up > "
        + dir.resolve("up") + "; while :; do sleep 0.05; done'";
    agent = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            "io.minimesh.agent.Main", "proxy", "sidecar", "--id", "web.default",
            "--discovery-address", "127.0.0.1:15010", "--admin-port", "" + admin.port(),
            "--status-port", "0", "--metrics-port", "0", "--status-bind-ip", "127.0.0.1",
            "--drain-time", "1s", "--config-dir", dir.toString(), "--proxy-command", child)
        .redirectErrorStream(true)
        .start();
    lines = LineCollector.of(agent);
    await().atMost(LONG).until(() -> lines.stream().anyMatch(l -> READY.matcher(l).matches()));
    Matcher m = lines.stream().map(READY::matcher).filter(Matcher::matches).findFirst().orElseThrow();
    statusPort = Integer.parseInt(m.group(1));
    metricsPort = Integer.parseInt(m.group(2));
    await().atMost(LONG).until(() -> Files.exists(dir.resolve("up")));
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sigtermDrainsTheProxyAndStopsTheChild() throws Exception {
    startAgent();
    assertThat(Files.readString(dir.resolve("bootstrap-web.default.json")))
        .contains("\"ads_address\": \"127.0.0.1:15010\"");
    await().atMost(LONG).until(() -> get(statusPort, "/healthz/ready").statusCode() == 200);
    String metrics = get(metricsPort, "/stats/prometheus").body();
    assertThat(metrics).contains("minimesh_agent_proxy_running 1\n", "minimesh_agent_proxy_ready 1\n",
        "envoy_server_live 1\n");

    long childPid = agent.descendants().filter(h -> h.info().command().orElse("").endsWith("sh"))
        .findFirst().orElseThrow().pid();
    agent.destroy(); // SIGTERM
    await().atMost(LONG).until(() -> !agent.isAlive());
    assertThat(admin.saw("POST", "/drain_listeners?graceful")).isTrue();
    assertThat(Files.readString(dir.resolve("term"))).isEqualTo("term\n");
    assertThat(ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void quitquitquitStopsTheAgentCleanly() throws Exception {
    startAgent();
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statusPort + "/quitquitquit"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    await().atMost(LONG).until(() -> !agent.isAlive());
    assertThat(agent.exitValue()).isZero();
    assertThat(Files.readString(dir.resolve("term"))).isEqualTo("term\n");
  }
}
