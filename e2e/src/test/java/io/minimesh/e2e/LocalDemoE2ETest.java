package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Poll;
import io.minimesh.e2e.harness.ProcessFixture;
import io.minimesh.e2e.harness.Readiness;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, for real: {@code meshctl demo} brings up pilot, the gateway and the
 * sidecars from the built jars; the curls it prints work; Ctrl-C leaves nothing behind.
 */
@MeshTest
class LocalDemoE2ETest {

  @Test
  void theDemoMeshServesTrafficAndStopsCleanly(MeshProcesses mesh) {
    ProcessFixture demo = mesh.start(MeshProcesses.javaSpec("meshctl-demo", "meshctl", List.of(),
            "demo", "--work-dir", mesh.files().resolve("demo").toString(), "--startup-timeout", "120s")
        .readiness(Readiness.logLine("The demo is running"))
        .startTimeout(Duration.ofMinutes(5))
        .build());
    String gateway = "http://127.0.0.2:8080";

    var headers = Http.get(gateway + "/headers", "Host", "webapp.example.com");
    assertThat(headers.status()).isEqualTo(200);
    assertThat(headers.header("x-served-by")).hasValue("webapp");

    // The 80/20 split of the sample VirtualService reaches both catalog versions.
    Set<String> served = new HashSet<>();
    Poll.until("both catalog versions serve /catalog", Duration.ofSeconds(60), () -> {
      served.add(Http.get(gateway + "/catalog/get", "Host", "webapp.example.com").header("x-served-by").orElse("?"));
      return served.containsAll(Set.of("catalog-v1", "catalog-v2"));
    });

    CommandResult ps = mesh.meshctl("proxy-status", "--xds-address", "127.0.0.1:15010");
    assertThat(ps.exitCode()).isZero();
    assertThat(ps.stdout()).contains("ingressgateway.minimesh-system", "webapp.demo", "catalog-v1.demo")
        .doesNotContain("NOT SENT", "STALE", "ERROR");

    List<ProcessHandle> children = ProcessHandle.of(demo.pid()).orElseThrow().descendants().toList();
    assertThat(children).hasSizeGreaterThanOrEqualTo(8);
    demo.terminate(); // what Ctrl-C does: SIGTERM/SIGINT to meshctl only
    assertThat(demo.awaitExit(Duration.ofSeconds(60))).isNotNull();
    Poll.until("every process the demo started has exited", Duration.ofSeconds(30),
        () -> children.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(demo.logText()).contains("every process the demo started has exited");
  }
}
