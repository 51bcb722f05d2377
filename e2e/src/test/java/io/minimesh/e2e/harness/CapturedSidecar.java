package io.minimesh.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod's sidecar as Kubernetes runs it after injection: {@code pilot-agent iptables} as the init
 * container (root), then {@code pilot-agent proxy sidecar} as UID/GID 1337 with the pod's IP in
 * INSTANCE_IP, on Istio's fixed ports (admin 15000 on the pod's loopback, status 15021, metrics 15020).
 */
public final class CapturedSidecar {
  public static final int PROXY_UID = 1337;
  public static final int STATUS_PORT = 15021;

  private CapturedSidecar() {}

  /** The init container: Istio's injected istio-iptables arguments. */
  public static CommandResult installCapture(NetnsPod pod) {
    return pod.exec(Jars.javaCommand("pilot-agent", List.of(), List.of("iptables",
        "-p", "15001", "-z", "15006", "-u", String.valueOf(PROXY_UID), "-m", "REDIRECT",
        "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020"))).assertOk();
  }

  /** The sidecar container; ready when the agent's status port (reached from the host) says so. */
  public static AgentProcess start(MeshProcesses mesh, NetnsPod pod, String id, String discoveryAddress,
      String labels) {
    String name = "sidecar-" + pod.name();
    Path dir = mesh.files().resolve(name);
    try {
      Files.createDirectories(dir);
      Files.setAttribute(dir, "unix:uid", PROXY_UID);
      Files.setAttribute(dir, "unix:gid", PROXY_UID);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String proxyCommand = String.join(" ", Jars.javaCommand("dataplane", List.of(), List.of()));
    List<String> cmd = new ArrayList<>(List.of(Executables.require("setpriv"), "--reuid=" + PROXY_UID,
        "--regid=" + PROXY_UID, "--clear-groups", "--"));
    cmd.addAll(Jars.javaCommand("pilot-agent", List.of("-Djava.io.tmpdir=" + dir), List.of("proxy", "sidecar",
        "--id", id, "--discovery-address", discoveryAddress, "--labels", labels,
        "--config-dir", dir.toString(), "--proxy-command", proxyCommand)));
    ProcessSpec spec = ProcessSpec.builder(name).command(cmd)
        .env("INSTANCE_IP", pod.ip())
        .env("HOME", dir.toString())
        .readiness(Readiness.httpOk("http://" + pod.ip() + ":" + STATUS_PORT + "/healthz/ready"))
        .startTimeout(java.time.Duration.ofSeconds(90))
        .build();
    ProcessFixture p = mesh.start(pod.wrap(spec));
    return new AgentProcess(p, 15000, STATUS_PORT, 15020);
  }
}
