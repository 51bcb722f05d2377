package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Installs the capture rules for real inside a throwaway network namespace. Needs root and
 * iptables; skipped otherwise unless MINIMESH_E2E_REQUIRED=1, which turns the skip into a failure.
 */
class IptablesNetnsTest {
  private final String ns = "mm-agent-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
  private final List<Process> background = new ArrayList<>();
  private boolean created;

  record Run(int code, String output) {}

  private static Run exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + cmd);
    }
    return new Run(p.exitValue(), out);
  }

  private Run inNs(String... cmd) throws Exception {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(cmd));
    return exec(full);
  }

  private static boolean available() {
    try {
      return "0".equals(exec(List.of("id", "-u")).output().trim())
          && exec(List.of("iptables", "--version")).code() == 0
          && exec(List.of("ip", "-V")).code() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @BeforeEach
  void createNamespace() throws Exception {
    boolean ok = available();
    if (!ok && "1".equals(System.getenv("MINIMESH_E2E_REQUIRED"))) {
      throw new AssertionError("MINIMESH_E2E_REQUIRED=1 but this test needs root, iptables and iproute2");
    }
    Assumptions.assumeTrue(ok, "needs root, iptables and iproute2");
    Run add = exec(List.of("ip", "netns", "add", ns));
    assertThat(add.code()).as(add.output()).isZero();
    created = true;
    assertThat(inNs("ip", "link", "set", "lo", "up").code()).isZero();
  }

  @AfterEach
  void deleteNamespace() throws Exception {
    background.forEach(Process::destroyForcibly);
    if (created) {
      exec(List.of("ip", "netns", "del", ns));
    }
  }

  private List<String> natRules() throws Exception {
    Run save = inNs("iptables-save", "-t", "nat");
    assertThat(save.code()).as(save.output()).isZero();
    return save.output().lines().filter(l -> l.startsWith("-A ") || l.startsWith(":MINIMESH")).toList();
  }

  @Test
  void installsIdempotentlyCapturesOutboundAndCleansUp() throws Exception {
    IptablesRunner runner = new IptablesRunner(List.of("ip", "netns", "exec", ns), "iptables");
    IptablesConfig config = new IptablesCommandDefaults().config();

    runner.install(config);
    List<String> rules = natRules();
    assertThat(rules).contains(
        ":MINIMESH_INBOUND - [0:0]",
        ":MINIMESH_OUTPUT - [0:0]",
        ":MINIMESH_REDIRECT - [0:0]",
        ":MINIMESH_IN_REDIRECT - [0:0]",
        "-A PREROUTING -p tcp -j MINIMESH_INBOUND",
        "-A OUTPUT -p tcp -j MINIMESH_OUTPUT",
        "-A MINIMESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001",
        "-A MINIMESH_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006",
        "-A MINIMESH_INBOUND -p tcp -m tcp --dport 15021 -j RETURN",
        "-A MINIMESH_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN",
        "-A MINIMESH_OUTPUT -m owner --uid-owner 1337 -j RETURN",
        "-A MINIMESH_OUTPUT -j MINIMESH_REDIRECT");

    runner.install(config);
    assertThat(natRules()).as("a second run changes nothing").isEqualTo(rules);

    assertCapturesOutbound();

    runner.cleanup();
    assertThat(natRules()).noneMatch(l -> l.contains("MINIMESH"));
    runner.cleanup(); // nothing left to remove: still fine
  }

  /** A connection to a remote address lands on 15001, which can read the original destination. */
  private void assertCapturesOutbound() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    if (!Files.isExecutable(python)) {
      return;
    }
    assertThat(inNs("ip", "link", "add", "va", "type", "veth", "peer", "name", "vb").code()).isZero();
    inNs("ip", "addr", "add", "10.211.0.2/24", "dev", "va");
    inNs("ip", "link", "set", "va", "up");
    inNs("ip", "link", "set", "vb", "up");
    String server =
        "import socket,struct\n"
            + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind(('0.0.0.0', 15001)); s.listen(1); print('listening', flush=True)\n"
            + "c,_=s.accept(); d=c.getsockopt(socket.SOL_IP, 80, 16)\n"
            + "port,ip=struct.unpack('!2xH4s8x', d); print('original', socket.inet_ntoa(ip), port, flush=True)\n";
    Process p = new ProcessBuilder("ip", "netns", "exec", ns, python.toString(), "-c", server)
        .redirectErrorStream(true).start();
    background.add(p);
    List<String> lines = LineCollector.of(p);
    await().atMost(Duration.ofSeconds(20)).until(() -> lines.contains("listening"));
    Run client = inNs(python.toString(), "-c",
        "import socket; socket.create_connection(('10.211.0.99', 8000), timeout=5).close()");
    assertThat(client.code()).as(client.output()).isZero();
    await().atMost(Duration.ofSeconds(20)).until(() -> lines.contains("original 10.211.0.99 8000"));
  }

  /** The command's defaults, as {@code pilot-agent iptables} with no options uses them. */
  private static final class IptablesCommandDefaults {
    IptablesConfig config() {
      IptablesCommand cmd = new IptablesCommand();
      picocli.CommandLine cl = new picocli.CommandLine(cmd);
      cl.parseArgs();
      return cmd.config();
    }
  }
}
