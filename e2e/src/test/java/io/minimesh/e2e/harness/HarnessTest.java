package io.minimesh.e2e.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness's own behaviour: readiness, failure reporting, teardown of process trees. */
@MeshTest
class HarnessTest {

  @Test
  void readinessByLogLineAndTeardownKillsTheWholeTree(MeshProcesses mesh) {
    // A shell that starts a child that would outlive it, then announces itself.
    ProcessFixture p = mesh.start(ProcessSpec.builder("tree")
        .command("bash", "-c", "sleep 300 & echo child=$!; echo up; wait")
        .readiness(Readiness.logLine("^up$"))
        .build());
    long child = Long.parseLong(p.awaitLogLine("^child=(\\d+)", Duration.ofSeconds(5)).group(1));
    assertThat(ProcessHandle.of(child)).isPresent();
    assertThat(p.log()).startsWith(mesh.logDir()).hasFileName("tree.log");

    mesh.close();
    assertThat(p.isAlive()).isFalse();
    assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).as("grandchild killed").isFalse();
  }

  @Test
  void aProcessThatDiesBeforeReadyFailsWithItsLogTail(MeshProcesses mesh) {
    assertThatThrownBy(() -> mesh.start(ProcessSpec.builder("dies")
            .command("bash", "-c", "echo 'bad config: listeners[0]'; exit 3")
            .readiness(Readiness.tcp("127.0.0.1", Ports.free()))
            .build()))
        .isInstanceOf(ProcessFixture.ProcessStartException.class)
        .hasMessageContaining("exited with code 3")
        .hasMessageContaining("bad config: listeners[0]");
  }

  @Test
  void aProcessThatNeverGetsReadyTimesOut(MeshProcesses mesh) {
    assertThatThrownBy(() -> mesh.start(ProcessSpec.builder("slow")
            .command("sleep", "30")
            .readiness(Readiness.httpOk("http://127.0.0.1:" + Ports.free() + "/ready"))
            .startTimeout(Duration.ofMillis(300))
            .build()))
        .hasMessageContaining("not ready after 300 ms");
    assertThat(mesh.processes()).isEmpty();
  }

  @Test
  void filesAreWrittenIntoTheTestFolder(MeshProcesses mesh) throws Exception {
    var f = mesh.writeFile("conf/envoy.yaml", "admin: {}\n");
    assertThat(f).startsWith(mesh.files()).hasContent("admin: {}");
    assertThatThrownBy(() -> mesh.writeFile("../escape", "x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void statsParseCountersAndSkipHistograms() {
    Map<String, Long> stats = ProxyAdmin.parseStats("""
        cluster.httpbin.upstream_rq_total: 12
        http.ingress.downstream_rq_5xx: 0
        cluster.httpbin.upstream_rq_time: P0(nan,1) P25(nan,2)
        server.version: 1.0
        """);
    assertThat(stats).containsExactly(Map.entry("cluster.httpbin.upstream_rq_total", 12L),
        Map.entry("http.ingress.downstream_rq_5xx", 0L));
  }

  @Test
  void leakReportsInChildLogsAreFound(MeshProcesses injected) {
    // Not the injected instance: the extension would (rightly) fail this test for the leak.
    MeshProcesses mesh = new MeshProcesses(injected.logDir().resolve("own"));
    mesh.start(ProcessSpec.builder("leaky")
        .command("bash", "-c", "echo 'ERROR io.netty.util.ResourceLeakDetector - LEAK: ByteBuf.release() was not called'")
        .build());
    mesh.processes().get(0).awaitExit(Duration.ofSeconds(5));
    assertThat(mesh.leakReports()).singleElement().asString().startsWith("leaky: ");
    mesh.close();
  }

  @Test
  void commandsReportExitCodeAndOutput() {
    CommandResult r = Commands.run(List.of("bash", "-c", "echo out; echo err >&2; exit 2"), Duration.ofSeconds(5));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stdout()).isEqualTo("out\n");
    assertThat(r.stderr()).isEqualTo("err\n");
    assertThatThrownBy(r::assertOk).hasMessageContaining("exit 2").hasMessageContaining("err");
  }
}
