package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Commands;
import io.minimesh.e2e.harness.Executables;
import io.minimesh.e2e.harness.Curl;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.NetnsBridge;
import io.minimesh.e2e.harness.NetnsPod;
import io.minimesh.e2e.harness.Prerequisite;
import io.minimesh.e2e.harness.Requires;
import io.minimesh.e2e.harness.TestAppProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two network-namespace pods: an unmodified curl in one reaches the testapp in the other by name. */
@MeshTest
@Requires({Prerequisite.NETNS, Prerequisite.CURL})
class NetnsPodTest {

  @Test
  void curlInOnePodReachesTestappInAnotherByServiceName(MeshProcesses mesh) throws Exception {
    NetnsBridge bridge = NetnsBridge.create(mesh);
    NetnsPod server = bridge.pod("server");
    NetnsPod client = bridge.pod("client").addHost("webapp.default.svc.cluster.local", server.ip());
    TestAppProcess app = mesh.testapp("webapp", server, "0.0.0.0");

    CommandResult r = client.exec(Curl.command("-i",
        "http://webapp.default.svc.cluster.local:" + app.httpPort() + "/anything"));
    r.assertOk();
    assertThat(r.stdout()).startsWith("HTTP/1.1 200").containsIgnoringCase("x-served-by: webapp");
    JsonNode body = new ObjectMapper().readTree(r.stdout().substring(r.stdout().indexOf("\r\n\r\n") + 4));
    assertThat(body.get("origin").asText()).as("seen from the client pod's address").isEqualTo(client.ip());
    assertThat(body.get("headers").get("Host").asText()).startsWith("webapp.default.svc.cluster.local:");

    mesh.close();
    String namespaces = Commands.run(List.of(Executables.require("ip"), "netns", "list"), Duration.ofSeconds(10)).stdout();
    assertThat(namespaces).doesNotContain(server.netns()).doesNotContain(client.netns());
    assertThat(Files.exists(Path.of("/etc/netns", client.netns()))).isFalse();
    assertThat(Commands.run(List.of(Executables.require("ip"), "link", "show", bridge.name()), Duration.ofSeconds(10)).ok()).isFalse();
  }
}
