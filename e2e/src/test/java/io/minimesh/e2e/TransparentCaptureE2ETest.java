package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.AgentProcess;
import io.minimesh.e2e.harness.CapturedSidecar;
import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Commands;
import io.minimesh.e2e.harness.Curl;
import io.minimesh.e2e.harness.Executables;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.NetnsBridge;
import io.minimesh.e2e.harness.NetnsPod;
import io.minimesh.e2e.harness.PilotProcess;
import io.minimesh.e2e.harness.Poll;
import io.minimesh.e2e.harness.Prerequisite;
import io.minimesh.e2e.harness.ProcessFixture;
import io.minimesh.e2e.harness.ProcessSpec;
import io.minimesh.e2e.harness.Readiness;
import io.minimesh.e2e.harness.Requires;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Issue 6, transparent capture for real: two "pods" (network namespaces on a bridge) with
 * {@code pilot-agent iptables} and a sidecar running as UID 1337, pilot on the bridge, httpbin in pod
 * B. An unmodified curl in pod A calls {@code http://httpbin.default.svc.cluster.local:8000/headers}
 * (the name resolves to a service VIP that exists only in pilot's registry); iptables sends it through
 * A's sidecar (15001 → the 8000 listener → pod B) and B's sidecar (15006 → inbound|8000|| → localhost).
 * A connection to an address outside the mesh passes through A's sidecar untouched (PassthroughCluster).
 */
@MeshTest
@Requires({Prerequisite.NETNS, Prerequisite.IPTABLES, Prerequisite.CURL, Prerequisite.HTTPBIN})
class TransparentCaptureE2ETest {
  static final String HOST = "httpbin.default.svc.cluster.local";

  @Test
  void unmodifiedClientReachesHttpbinThroughBothSidecars(MeshProcesses mesh) throws Exception {
    NetnsBridge bridge = NetnsBridge.create(mesh);
    NetnsPod b = bridge.pod("httpbin");
    NetnsPod a = bridge.pod("sleep");
    // The VIP is on no interface: iptables redirects before it would be routed (default route via the bridge).
    String vip = bridge.gateway().startsWith("198.19.255.") ? "198.18.255.10" : "198.19.255.10";
    a.addHost(HOST, vip);
    b.addHost(HOST, vip);

    startHttpbin(mesh, b);

    // The init containers.
    CapturedSidecar.installCapture(a);
    CapturedSidecar.installCapture(b);
    assertThat(a.exec("iptables", "-t", "nat", "-S").assertOk().stdout())
        .contains("-A OUTPUT -p tcp -j MINIMESH_OUTPUT", "--to-ports 15001", "--to-ports 15006");

    Path config = mesh.files().resolve("pilot-config");
    Files.createDirectories(config);
    Files.writeString(config.resolve("httpbin.yaml"), """
        apiVersion: networking.istio.io/v1beta1
        kind: ServiceEntry
        metadata: {name: httpbin, namespace: default}
        spec:
          hosts: [%s]
          addresses: [%s]
          ports:
          - {number: 8000, name: http, protocol: HTTP}
          location: MESH_INTERNAL
          resolution: STATIC
          workloadSelector:
            labels: {app: httpbin}
        ---
        apiVersion: networking.istio.io/v1beta1
        kind: WorkloadEntry
        metadata: {name: httpbin-1, namespace: default}
        spec:
          address: %s
          labels: {app: httpbin}
        """.formatted(HOST, vip, b.ip()));
    Path meshConfig = mesh.writeFile("mesh.yaml", "accessLogFile: /dev/stdout\n");
    PilotProcess pilot = mesh.pilotOn(bridge.gateway(), config, "--mesh-config", meshConfig.toString());

    AgentProcess sidecarB = CapturedSidecar.start(mesh, b, "httpbin-1.default", pilot.xdsAddress(), "app=httpbin");
    AgentProcess sidecarA = CapturedSidecar.start(mesh, a, "sleep-1.default", pilot.xdsAddress(), "app=sleep");

    // The unmodified client: plain curl by service name, no proxy settings.
    List<String> curl = Curl.command("-i", "http://" + HOST + ":8000/headers");
    CommandResult[] last = new CommandResult[1];
    Poll.until("curl in pod A gets 200 from httpbin in pod B", Duration.ofSeconds(60), () -> {
      last[0] = a.exec(curl);
      return last[0].ok() && last[0].stdout().startsWith("HTTP/1.1 200");
    });
    String response = last[0].stdout();
    assertThat(response).containsPattern("\"Host\": ?\"" + java.util.regex.Pattern.quote(HOST + ":8000") + "\"");

    // Both sidecars logged it: outbound in A, inbound in B (Istio's default access log format).
    ProcessFixture logA = sidecarA.process();
    ProcessFixture logB = sidecarB.process();
    logA.awaitLogLine("\"GET /headers HTTP/1.1\" 200 .*\"" + HOST + ":8000\" \"" + b.ip().replace(".", "\\.")
        + ":8000\" outbound\\|8000\\|\\|" + HOST.replace(".", "\\."), Duration.ofSeconds(20));
    logB.awaitLogLine("\"GET /headers HTTP/1.1\" 200 .*\"127\\.0\\.0\\.1:8000\" inbound\\|8000\\|\\|",
        Duration.ofSeconds(20));
    assertThat(stat(a, "cluster.outbound|8000||" + HOST + ".upstream_rq_total")).isGreaterThanOrEqualTo(1);
    assertThat(stat(b, "cluster.inbound|8000||.upstream_rq_total")).isGreaterThanOrEqualTo(1);

    // httpbin calling its own service: B's sidecar sends it to B's own IP, which iptables turns into
    // inbound capture (the proxy's UID on lo, not to 127.0.0.1) instead of letting it bypass the mesh.
    long inboundBefore = stat(b, "cluster.inbound|8000||.upstream_rq_total");
    CommandResult self = b.exec(Curl.command("-i", "http://" + HOST + ":8000/status/418"));
    self.assertOk();
    assertThat(self.stdout()).startsWith("HTTP/1.1 418");
    assertThat(stat(b, "cluster.outbound|8000||" + HOST + ".upstream_rq_total")).isGreaterThanOrEqualTo(1);
    assertThat(stat(b, "cluster.inbound|8000||.upstream_rq_total")).isGreaterThan(inboundBefore);

    // Outside the mesh: a TCP server on the bridge host, reached through PassthroughCluster.
    try (ServerSocket outside = new ServerSocket()) {
      outside.bind(new InetSocketAddress(InetAddress.getByName(bridge.gateway()), 0));
      CopyOnWriteArrayList<String> peers = new CopyOnWriteArrayList<>();
      Thread t = new Thread(() -> serveOnce(outside, peers), "outside-server");
      t.setDaemon(true);
      t.start();
      CommandResult r = a.exec(Curl.command("http://" + bridge.gateway() + ":" + outside.getLocalPort() + "/"));
      r.assertOk();
      assertThat(r.stdout()).isEqualTo("passthrough");
      assertThat(peers).as("the sidecar connects from the pod's own address").containsExactly(a.ip());
    }
    assertThat(stat(a, "cluster.PassthroughCluster.upstream_cx_total")).isGreaterThanOrEqualTo(1);

    // Teardown leaves nothing behind: namespaces (with their iptables rules), veths, the bridge, hosts files.
    mesh.close();
    String ip = Executables.require("ip");
    assertThat(Commands.run(List.of(ip, "netns", "list"), Duration.ofSeconds(10)).stdout())
        .doesNotContain(a.netns()).doesNotContain(b.netns());
    assertThat(Path.of("/etc/netns", a.netns())).doesNotExist();
    assertThat(Path.of("/etc/netns", b.netns())).doesNotExist();
    assertThat(Commands.run(List.of(ip, "link", "show", bridge.name()), Duration.ofSeconds(10)).ok()).isFalse();
  }

  private static void startHttpbin(MeshProcesses mesh, NetnsPod pod) {
    String gunicorn = Executables.find("gunicorn").or(() -> Executables.find("gunicorn3")).orElseThrow().toString();
    ProcessSpec spec = ProcessSpec.builder("httpbin")
        .command(gunicorn, "--bind", "0.0.0.0:8000", "--workers", "1", "--access-logfile", "-",
            "--graceful-timeout", "2", "httpbin:app")
        .env("PYTHONUNBUFFERED", "1")
        // Reached from the host before capture is installed in the pod.
        .readiness(Readiness.httpOk("http://" + pod.ip() + ":8000/get"))
        .build();
    mesh.start(pod.wrap(spec));
  }

  /** One stat of the pod's sidecar, read from its admin API on the pod's loopback (not captured). */
  private static long stat(NetnsPod pod, String name) {
    CommandResult r = pod.exec(Curl.command("http://127.0.0.1:15000/stats")).assertOk();
    for (String line : r.stdout().split("\n")) {
      if (line.startsWith(name + ": ")) return Long.parseLong(line.substring(name.length() + 2).trim());
    }
    return 0;
  }

  /** Answers one HTTP request with "passthrough" and records the peer's address. */
  private static void serveOnce(ServerSocket server, List<String> peers) {
    try (Socket s = server.accept()) {
      peers.add(((InetSocketAddress) s.getRemoteSocketAddress()).getAddress().getHostAddress());
      InputStream in = s.getInputStream();
      StringBuilder req = new StringBuilder();
      byte[] buf = new byte[4096];
      int n;
      while (req.indexOf("\r\n\r\n") < 0 && (n = in.read(buf)) > 0) {
        req.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
      OutputStream out = s.getOutputStream();
      out.write("HTTP/1.1 200 OK\r\ncontent-length: 11\r\nconnection: close\r\n\r\npassthrough"
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    } catch (IOException ignored) {
      // the test's assertions report what is missing
    }
  }

}
