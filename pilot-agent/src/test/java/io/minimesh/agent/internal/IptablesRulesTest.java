package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IptablesRulesTest {
  private String run(int expectedExit, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cli.commandLine(new Env(Map.of()), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    assertThat(code).as("exit code; stderr: %s", err).isEqualTo(expectedExit);
    return expectedExit == 0 ? out.toString() : err.toString();
  }

  @Test
  void defaultsMatchIstiosInjectedInitContainer() {
    String rules = run(0, "iptables", "--dry-run");
    Golden.assertMatches("iptables/default.txt", rules);
    assertThat(rules).contains(
        "iptables -t nat -A MINIMESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001\n",
        "iptables -t nat -A MINIMESH_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006\n",
        "iptables -t nat -A MINIMESH_INBOUND -p tcp --dport 15021 -j RETURN\n",
        "iptables -t nat -A MINIMESH_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN\n",
        "iptables -t nat -A MINIMESH_OUTPUT -m owner --uid-owner 1337 -j RETURN\n",
        "iptables -t nat -A MINIMESH_OUTPUT -m owner --gid-owner 1337 -j RETURN\n");
    // Ordering that makes capture correct: exclusions before the catch-all redirects.
    assertThat(rules.indexOf("--dport 15090 -j RETURN"))
        .isLessThan(rules.indexOf("-A MINIMESH_INBOUND -p tcp -j MINIMESH_IN_REDIRECT"));
    assertThat(rules.indexOf("--uid-owner 1337 -j RETURN"))
        .isLessThan(rules.indexOf("-A MINIMESH_OUTPUT -j MINIMESH_REDIRECT"));
    assertThat(rules.lines().filter(l -> l.contains("-j MINIMESH_OUTPUT")).count()).isEqualTo(1);
  }

  @Test
  void istioInitContainerArgumentsGiveTheSameRules() {
    assertThat(run(0, "iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*",
            "-x", "", "-b", "*", "-d", "15090,15021,15020", "--log_output_level=default:info", "--dry-run"))
        .isEqualTo(run(0, "iptables", "--dry-run"));
    assertThat(run(2, "iptables", "-m", "TPROXY", "--dry-run"))
        .contains("interception mode \"TPROXY\" is not supported: only REDIRECT");
  }

  @Test
  void customPortsCidrsAndOwner() {
    Golden.assertMatches("iptables/custom.txt",
        run(0, "iptables", "--dry-run", "--proxy-uid", "1337", "--proxy-gid", "1338",
            "-p", "16001", "-z", "16006", "--include-inbound-ports", "8080,9090",
            "--exclude-inbound-ports", "9090", "--exclude-outbound-ports", "3306,5432",
            "--include-outbound-cidrs", "10.0.0.0/8,172.16.0.0/12", "--exclude-outbound-cidrs", "10.96.0.1"));
  }

  @Test
  void includedOutboundPortsAndExcludedInterfacesAsIstioDoes() {
    String rules = run(0, "iptables", "--dry-run", "-i", "", "-q", "3306,6379", "-c", "eth1");
    assertThat(rules).contains(
        "iptables -t nat -A MINIMESH_INBOUND -i eth1 -j RETURN\n",
        "iptables -t nat -A MINIMESH_OUTPUT -p tcp --dport 3306 -j MINIMESH_REDIRECT\n",
        "iptables -t nat -A MINIMESH_OUTPUT -p tcp --dport 6379 -j MINIMESH_REDIRECT\n");
    assertThat(rules).doesNotContain("-A MINIMESH_OUTPUT -j MINIMESH_REDIRECT");
    // Localhost and the proxy's own traffic are decided before any port is captured.
    assertThat(rules.indexOf("-d 127.0.0.1/32 -j RETURN")).isLessThan(rules.indexOf("--dport 3306 -j MINIMESH_REDIRECT"));
    assertThat(run(2, "iptables", "--dry-run", "-c", "eth0;rm")).contains("invalid --exclude-interfaces entry");
  }

  @Test
  void noInboundCaptureWhenNoInboundPortsAreIncluded() {
    String rules = run(0, "iptables", "--dry-run", "--include-inbound-ports", "");
    assertThat(rules).doesNotContain("PREROUTING").contains("-A OUTPUT -p tcp -j MINIMESH_OUTPUT");
  }

  @Test
  void cleanupRemovesJumpsThenChains() {
    Golden.assertMatches("iptables/cleanup.txt", run(0, "iptables", "--dry-run", "--cleanup"));
  }

  @Test
  void badInputNamesTheFlag() {
    assertThat(run(2, "iptables", "--dry-run", "--exclude-outbound-cidrs", "10.0.0.0/33"))
        .contains("invalid --exclude-outbound-cidrs entry \"10.0.0.0/33\"");
    assertThat(run(2, "iptables", "--dry-run", "--exclude-inbound-ports", "http"))
        .contains("invalid --exclude-inbound-ports port \"http\"");
    assertThat(run(2, "iptables", "--dry-run", "--outbound-port", "70000"))
        .contains("invalid --outbound-port 70000");
  }
}
