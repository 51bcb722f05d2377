package io.minimesh.meshctl.internal.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.minimesh.meshctl.Golden;
import io.minimesh.meshctl.MeshctlException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The full local mesh's config and start-up sequence, with stand-ins for pilot, the apps and the agents. */
class FullMeshTest {
  @TempDir Path tmp;

  /** Addresses no real demo uses, so the test can run next to one. */
  static MeshLayout testLayout() {
    return new MeshLayout(
        "127.0.0.201", 15010, 15014, "127.0.0.202", 8080,
        List.of(
            new MeshLayout.Workload("webapp", "webapp", "v1", "127.0.0.210"),
            new MeshLayout.Workload("catalog-v1", "catalog", "v1", "127.0.0.211"),
            new MeshLayout.Workload("catalog-v2", "catalog", "v2", "127.0.0.212")));
  }

  @Test
  void sampleConfigIsIstioYaml() throws Exception {
    Map<String, String> files = SampleConfig.files(MeshLayout.standard());
    assertThat(files).containsOnlyKeys("gateway.yaml", "webapp.yaml", "catalog.yaml");
    List<JsonNode> docs = new ArrayList<>();
    for (var e : files.entrySet()) {
      Golden.assertMatches("demo-config/" + e.getKey(), e.getValue());
      try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(e.getValue())) {
        docs.addAll(it.readAll());
      }
    }
    assertThat(docs).allSatisfy(d -> {
      assertThat(d.path("apiVersion").asText()).isEqualTo("networking.istio.io/v1");
      assertThat(d.path("metadata").path("namespace").asText()).isEqualTo("demo");
    });
    assertThat(docs.stream().map(d -> d.path("kind").asText()))
        .containsExactly(
            "Gateway", "VirtualService",
            "ServiceEntry", "WorkloadEntry", "Sidecar",
            "ServiceEntry", "WorkloadEntry", "Sidecar", "WorkloadEntry", "Sidecar", "DestinationRule");
    JsonNode vs = docs.get(1);
    assertThat(vs.at("/spec/http/0/route/0/weight").asInt() + vs.at("/spec/http/0/route/1/weight").asInt()).isEqualTo(100);
    assertThat(vs.at("/spec/http/0/timeout").asText()).isEqualTo("2s");
    JsonNode dr = docs.get(10);
    assertThat(dr.at("/spec/subsets/1/labels/version").asText()).isEqualTo("v2");
    JsonNode sidecar = docs.get(4);
    assertThat(sidecar.at("/spec/ingress/0/bind").asText()).isEqualTo("127.0.0.10");
    assertThat(sidecar.at("/spec/ingress/0/defaultEndpoint").asText()).isEqualTo("0.0.0.0:8080");
    assertThat(sidecar.at("/spec/egress/0/port/number").asInt()).isEqualTo(15001);
  }

  private static final String FAKE =
      """
      import http.server, os, sys
      args = sys.argv[1:]
      def opt(name):
          return args[args.index(name) + 1] if name in args else None
      with open('pids.txt', 'a') as f:
          f.write('%d\\n' % os.getpid())
      with open('args-%s.txt' % (opt('--id') or 'pilot'), 'w') as f:
          f.write('\\n'.join(args))
      if '--monitoring-port' in args:
          host, port = opt('--bind'), int(opt('--monitoring-port'))
      else:
          host, port = opt('--status-bind-ip'), int(opt('--status-port'))
      class H(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              self.send_response(200)
              self.end_headers()
          def log_message(self, *a):
              pass
      http.server.HTTPServer((host, port), H).serve_forever()
      """;

  private Launcher fakes(Path script) {
    return (module, args) -> {
      List<String> cmd = new ArrayList<>();
      switch (module) {
        case "pilot", "pilot-agent" -> cmd.addAll(List.of("python3", script.toString()));
        case "testapp" -> cmd.addAll(List.of("sh", "-c", "echo $$ >> pids.txt; echo READY http=8080 grpc=1 tcp=2; exec sleep 300", "testapp"));
        case "dataplane" -> cmd.addAll(List.of("/opt/my jdk/bin/java", "-jar", "dataplane.jar"));
        default -> throw new AssertionError(module);
      }
      cmd.addAll(args);
      return cmd;
    };
  }

  @Test
  void startsPilotAppsGatewayAndSidecarsInOrderThenStopsThemAll() throws Exception {
    Path script = tmp.resolve("fake.py");
    Files.writeString(script, FAKE);
    Path work = tmp.resolve("work");
    StringWriter progress = new StringWriter();
    LocalDemo demo =
        new LocalDemo(
            new LocalDemo.Options(work, "127.0.0.1", 0, Duration.ofSeconds(60), Duration.ofSeconds(5)),
            fakes(script),
            new PrintWriter(progress, true));
    LocalDemo.MeshRunning running;
    try {
      running = demo.startMesh(testLayout());
    } finally {
      demo.close();
    }
    assertThat(progress.toString())
        .contains("config:   " + work.resolve("config"))
        .contains("[1/8] starting pilot (directory mode) ... ready: xDS on 127.0.0.201:15010")
        .contains("[2/8] starting webapp (testapp) ... ready: http://127.0.0.210:8080")
        .contains("[5/8] starting ingress gateway (pilot-agent router) ... ready: http://127.0.0.202:8080")
        .contains("[8/8] starting catalog-v2 sidecar (pilot-agent sidecar) ... ready: inbound 127.0.0.212:9080");
    assertThat(Files.readAllLines(work.resolve("args-pilot.txt")))
        .containsSubsequence("--config-dir", work.resolve("config").toString());
    assertThat(Files.readAllLines(work.resolve("args-ingressgateway.minimesh-system.txt")))
        .containsSubsequence("proxy", "router")
        .containsSubsequence("--discovery-address", "127.0.0.201:15010")
        .containsSubsequence("--port-map", "80:8080")
        .containsSubsequence("--proxy-command", "'/opt/my jdk/bin/java' -jar dataplane.jar");
    assertThat(Files.readAllLines(work.resolve("args-catalog-v1.demo.txt")))
        .containsSubsequence("proxy", "sidecar")
        .containsSubsequence("--labels", "app=catalog,version=v1")
        .containsSubsequence("--bind-ip", "127.0.0.211");
    assertThat(LocalDemo.meshTryCommands(running, "bin/meshctl"))
        .anyMatch(l -> l.startsWith("curl -s -H 'Host: webapp.example.com' http://127.0.0.202:8080/headers"))
        .contains("bin/meshctl proxy-status", "bin/meshctl proxy-config routes ingressgateway.minimesh-system");
    List<Long> pids = Processes.readPids(work, "pids.txt");
    assertThat(pids).hasSize(8);
    Processes.awaitGone(pids);
  }

  @Test
  void addressesInUseAreNamedBeforeAnythingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.211"), 15021));
      LocalDemo demo =
          new LocalDemo(
              new LocalDemo.Options(tmp, "127.0.0.1", 0, Duration.ofSeconds(60), Duration.ofSeconds(5)),
              (m, a) -> { throw new AssertionError("nothing may start"); },
              new PrintWriter(new StringWriter()));
      assertThatThrownBy(() -> demo.startMesh(testLayout()))
          .isInstanceOf(MeshctlException.class)
          .hasMessage("the local mesh needs these addresses, which are in use or not bindable: 127.0.0.211:15021"
              + " (is another demo running?)");
    }
  }

  @Test
  void shellJoinQuotesWhatTheShellWouldSplit() {
    assertThat(LocalDemo.shellJoin(List.of("/usr/bin/java", "-Xmx64m", "-jar", "/a b/x.jar", "it's")))
        .isEqualTo("/usr/bin/java -Xmx64m -jar '/a b/x.jar' 'it'\\''s'");
  }
}
