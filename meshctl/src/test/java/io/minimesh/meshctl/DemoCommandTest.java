package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.meshctl.internal.demo.Launcher;
import io.minimesh.meshctl.internal.demo.Processes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The demo's flow with stand-ins for the jars (a shell "testapp" printing READY, a Python "proxy"
 * serving /ready on the admin port of the bootstrap it is given); running the real jars is e2e's job.
 */
class DemoCommandTest {
  @TempDir Path tmp;

  private Path work;
  private Path fakeProxy;

  private static final String FAKE_PROXY =
      """
      import http.server, json, os, subprocess, sys
      args = sys.argv[1:]
      b = json.load(open(args[args.index('-c') + 1]))
      sa = b['admin']['address']['socket_address']
      child = subprocess.Popen(['sleep', '300'])
      with open('proxy.pids', 'w') as f:
          f.write('%d\\n%d\\n' % (os.getpid(), child.pid))
      class H(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              self.send_response(200 if self.path == '/ready' else 404)
              self.end_headers()
              self.wfile.write(b'LIVE\\n')
          def log_message(self, *a):
              pass
      print('admin on', sa['port_value'], flush=True)
      http.server.HTTPServer((sa['address'], sa['port_value']), H).serve_forever()
      """;

  @BeforeEach
  void setUp() throws Exception {
    work = tmp.resolve("work");
    fakeProxy = tmp.resolve("fake_proxy.py");
    Files.writeString(fakeProxy, FAKE_PROXY);
  }

  private Launcher launcher(String testappScript) {
    return (module, args) -> {
      List<String> cmd = new ArrayList<>();
      switch (module) {
        case "testapp" -> cmd.addAll(List.of("sh", "-c", testappScript, "testapp"));
        case "dataplane" -> cmd.addAll(List.of("python3", fakeProxy.toString()));
        default -> throw new AssertionError("unexpected module " + module);
      }
      cmd.addAll(args);
      return cmd;
    };
  }

  private static final String TESTAPP =
      "sleep 300 & echo $! > webapp.pids; echo $$ >> webapp.pids; echo 'READY http=12345 grpc=12346 tcp=12347'; wait";

  private CommandLine commandLine(Launcher launcher, StringWriter out, StringWriter err) {
    CommandLine cl = Main.commandLine(Map.of(), Clock.systemUTC());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    DemoCommand demo = cl.getSubcommands().get("demo").getCommand();
    demo.launchers = repo -> launcher;
    return cl;
  }

  @Test
  void startsTheComponentsPrintsWhatToTryAndStopsEverything() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        commandLine(launcher(TESTAPP), out, err)
            .execute("demo", "--small", "--work-dir", work.toString(), "--repo-dir", tmp.toString(), "--no-wait");
    assertThat(err.toString()).isEmpty();
    assertThat(code).isZero();

    Bootstrap b = JsonPrinter.parse(Files.readString(work.resolve("ingress-bootstrap.json")), Bootstrap.newBuilder()).build();
    int ingressPort = b.getStaticResources().getListeners(0).getAddress().getSocketAddress().getPortValue();
    int adminPort = b.getAdmin().getAddress().getSocketAddress().getPortValue();
    // The proxy routes to the port the app announced on its READY line.
    assertThat(b.getStaticResources().getClusters(0).getLoadAssignment().getEndpoints(0).getLbEndpoints(0)
            .getEndpoint().getAddress().getSocketAddress().getPortValue())
        .isEqualTo(12345);
    assertThat(out.toString())
        .contains("work dir: " + work)
        .contains("[1/2] starting webapp (testapp) ... ready: http://127.0.0.1:12345")
        .contains("[2/2] starting ingress proxy (mesh-proxy) ... ready: listener http://127.0.0.1:" + ingressPort)
        .contains("curl -s http://127.0.0.1:" + ingressPort + "/headers")
        .contains("bin/meshctl proxy-config routes --admin-address 127.0.0.1:" + adminPort)
        .contains("Stopped; every process the demo started has exited.");
    assertThat(work.resolve("logs/webapp.log")).content().contains("READY http=12345");
    assertThat(work.resolve("logs/ingress-proxy.log")).content().contains("admin on " + adminPort);

    List<Long> pids = Processes.readPids(work, "webapp.pids", "proxy.pids");
    assertThat(pids).hasSize(4);
    Processes.awaitGone(pids);
  }

  @Test
  void durationStopsTheDemoByItself() throws Exception {
    StringWriter out = new StringWriter();
    int code =
        commandLine(launcher(TESTAPP), out, new StringWriter())
            .execute("demo", "--small", "--work-dir", work.toString(), "--repo-dir", tmp.toString(), "--duration", "200ms");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("Stopping after 0s").contains("Stopped;");
    Processes.awaitGone(Processes.readPids(work, "webapp.pids", "proxy.pids"));
  }

  @Test
  void aComponentDyingWhileRunningStopsTheRestAndFails() throws Exception {
    // The app exits with 7 once the test drops a file.
    String dying = "echo $$ > webapp.pids; echo 'READY http=12345 grpc=1 tcp=2'; while [ ! -f die ]; do sleep 0.05; done; exit 7";
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = commandLine(launcher(dying), out, err);
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () -> cl.execute("demo", "--small", "--work-dir", work.toString(), "--repo-dir", tmp.toString(), "--duration", "10m"));
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(work.resolve("proxy.pids")) && out.toString().contains("Stopping after"));
    Files.writeString(work.resolve("die"), "");
    assertThat(run).succeedsWithin(Duration.ofSeconds(60)).isEqualTo(1);
    assertThat(err.toString()).contains("Error: webapp exited unexpectedly (exit code 7)");
    Processes.awaitGone(Processes.readPids(work, "webapp.pids", "proxy.pids"));
  }

  @Test
  void startupFailureStopsWhatWasStarted() throws Exception {
    // The proxy stand-in dies at once: the app started before it must not be left behind.
    Launcher broken =
        (module, args) ->
            module.equals("testapp")
                ? List.of("sh", "-c", TESTAPP)
                : List.of("sh", "-c", "echo 'Error: ingress-bootstrap.json: admin.address: port in use' >&2; exit 1");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = commandLine(broken, out, err).execute("demo", "--small", "--work-dir", work.toString(), "--no-wait");
    assertThat(code).isEqualTo(1);
    assertThat(out.toString()).contains("[2/2] starting ingress proxy (mesh-proxy) ... failed");
    assertThat(err.toString())
        .contains("Error: ingress-proxy exited (exit code 1) before it was ready")
        .contains("admin.address: port in use");
    Processes.awaitGone(Processes.readPids(work, "webapp.pids"));
  }
}
