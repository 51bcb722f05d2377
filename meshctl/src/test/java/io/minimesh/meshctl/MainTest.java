package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {
  @Test
  void helpShowsTheWholeTree() {
    Cli.Result r = Cli.run("--help");
    assertThat(r.exitCode()).isZero();
    for (String cmd :
        List.of("demo", "proxy-status", "ps", "proxy-config", "pc", "version", "install", "uninstall", "manifest",
            "verify-install", "analyze", "kube-inject", "--xds-address", "--timeout")) {
      assertThat(r.out()).contains(cmd);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "demo", "proxy-status", "proxy-config", "version", "install", "uninstall", "manifest", "verify-install",
      "analyze", "kube-inject"})
  void everyCommandHasHelp(String cmd) {
    Cli.Result r = Cli.run(cmd, "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("Usage: meshctl " + cmd);
  }

  @ParameterizedTest
  @ValueSource(strings = {"listeners", "routes", "clusters", "endpoints", "secret", "bootstrap", "log", "all"})
  void everyProxyConfigViewHasHelpAndTheGlobalOptions(String view) {
    Cli.Result r = Cli.run("proxy-config", view, "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("--admin-address").contains("--xds-address").contains("--timeout").contains("PROXY");
  }

  @Test
  void istioctlAliases() {
    Cli.Result r = Cli.run("pc", "--help");
    for (String alias : List.of("l", "r", "c", "ep", "s", "b", "o")) {
      assertThat(r.out()).containsPattern("\\b" + alias + "\\b");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"analyze", "kube-inject"})
  void missingInputFileIsNamed(String cmd) {
    Cli.Result r = Cli.run(Map.of("HOME", "/nonexistent"), c -> {}, cmd, "-f", "x.yaml", "-n=default");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: cannot read x.yaml: no such file\n");
  }

  @Test
  void kubernetesCommandsWithoutAKubeconfigSayHowToGetOne() {
    Cli.Result r = Cli.run(Map.of("HOME", "/nonexistent"), c -> {}, "verify-install");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("Error: no Kubernetes configuration: pass --kubeconfig FILE, set KUBECONFIG");
  }

  @Test
  void missingOrUnknownCommandIsAUsageError() {
    assertThat(Cli.run().exitCode()).isEqualTo(2);
    Cli.Result r = Cli.run("frobnicate");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument").contains("frobnicate");
    assertThat(Cli.run("pc").exitCode()).isEqualTo(2);
  }

  @Test
  void badOutputFormatIsAUsageError() {
    Cli.Result r = Cli.run("pc", "routes", "-f", "x", "-o", "xml");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("table, json, yaml");
  }

  @Test
  void badTimeout() {
    Cli.Result r = Cli.run("--timeout", "soon", "ps");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("invalid duration 'soon'");
  }

  @Test
  void versionWithoutRemote() {
    Cli.Result r = Cli.run("version", "--remote=false");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).matches("client version: \\S+\n");
    assertThat(r.out()).doesNotContain("unknown");
  }

  @Test
  void versionAsksPilotAndTheProxies() throws Exception {
    try (FakePilot pilot = new FakePilot();
        FakeAdmin admin = new FakeAdmin()) {
      admin.serverInfo = "{\"version\":\"0.1.1\",\"state\":\"LIVE\"}";
      pilot.connections =
          List.of(
              ProxyStatusCommandTest.connected("a.default", admin.address()),
              ProxyStatusCommandTest.connected("b.ns", "127.0.0.1:1"));
      pilot.syncz = List.of(ProxyStatusCommandTest.status("a.default", "p", "0.1.0"));
      Cli.Result r = Cli.run(Map.of(Main.XDS_ADDRESS_ENV, pilot.address()), c -> {}, "version");
      assertThat(r.exitCode()).isZero();
      assertThat(r.out())
          .contains("control plane version: pilot-0.1.0-SNAPSHOT/pilot-7d9f")
          // a answers /server_info; b's admin API is unreachable, so its node version counts.
          .contains("data plane version: 0.1.1 (1 proxy), 0.1.0-SNAPSHOT (1 proxy)");
      Cli.Result json = Cli.run(Map.of(Main.XDS_ADDRESS_ENV, pilot.address()), c -> {}, "version", "-o", "json");
      assertThat(json.out()).contains("\"id\": \"b.ns\"");
    }
  }

  @Test
  void versionWithoutPilotStillPrintsTheClient() {
    Cli.Result r = Cli.run(Map.of(Main.XDS_ADDRESS_ENV, "127.0.0.1:1"), c -> {}, "version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("client version: ");
    assertThat(r.err()).contains("cannot reach pilot at 127.0.0.1:1");
  }
}
