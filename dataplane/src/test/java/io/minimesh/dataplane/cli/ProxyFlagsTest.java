package io.minimesh.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Envoy's command-line forms, as users and Istio's pilot-agent write them. */
class ProxyFlagsTest {
  @Test
  void shortLongAndInlineForms() throws Exception {
    ProxyFlags f = ProxyFlags.parse("-c", "/etc/envoy.yaml", "--log-level=debug", "--concurrency", "2",
        "--drain-time-s=9", "--service-node", "sidecar~10.0.0.1~a.ns~ns.svc.cluster.local", "--service-cluster=reviews");
    assertThat(f.configPath()).isEqualTo(Path.of("/etc/envoy.yaml"));
    assertThat(f.logLevel()).isEqualTo("debug");
    assertThat(f.concurrency()).isEqualTo(2);
    assertThat(f.drainTimeS()).isEqualTo(9);
    assertThat(f.serviceNode()).isEqualTo("sidecar~10.0.0.1~a.ns~ns.svc.cluster.local");
    assertThat(f.serviceCluster()).isEqualTo("reviews");
    assertThat(f.ignored()).isEmpty();
  }

  @Test
  void defaults() throws Exception {
    ProxyFlags f = ProxyFlags.parse("--config-yaml", "admin: {}");
    assertThat(f.configYaml()).isEqualTo("admin: {}");
    assertThat(f.configPath()).isNull();
    assertThat(f.logLevel()).isEqualTo("info");
    assertThat(f.concurrency()).isZero();
    assertThat(f.drainTimeS()).isEqualTo(5);
    assertThat(f.help()).isFalse();
  }

  @Test
  void istioAgentCommandLineStarts() throws Exception {
    // What Istio's pilot-agent passes to Envoy.
    ProxyFlags f = ProxyFlags.parse("-c", "etc/istio/proxy/envoy-rev.json", "--drain-time-s", "45",
        "--drain-strategy", "immediate", "--local-address-ip-version", "v4", "--file-flush-interval-msec", "1000",
        "--disable-hot-restart", "--allow-unknown-static-fields", "--log-format",
        "%Y-%m-%dT%T.%fZ\t%l\tenvoy %n %g:%#\t%v\tthread=%t", "-l", "warning", "--component-log-level", "misc:error",
        "--concurrency", "2");
    assertThat(f.drainTimeS()).isEqualTo(45);
    assertThat(f.logLevel()).isEqualTo("warning");
    assertThat(f.concurrency()).isEqualTo(2);
    assertThat(f.ignored()).containsExactly("--drain-strategy", "--local-address-ip-version",
        "--file-flush-interval-msec", "--disable-hot-restart", "--allow-unknown-static-fields", "--log-format",
        "--component-log-level");
  }

  @Test
  void valueThatLooksLikeAFlagIsTaken() throws Exception {
    // --config-yaml's value is the next argument whatever it looks like, as in Envoy.
    assertThat(ProxyFlags.parse("--config-yaml", "-c").configYaml()).isEqualTo("-c");
  }

  @Test
  void errorsNameTheOption() {
    assertThatThrownBy(() -> ProxyFlags.parse("--nope")).hasMessage("unknown option: '--nope'");
    assertThatThrownBy(() -> ProxyFlags.parse("stray")).hasMessage("unexpected argument: 'stray'");
    assertThatThrownBy(() -> ProxyFlags.parse("-c")).hasMessage("missing value for option '-c'");
    assertThatThrownBy(() -> ProxyFlags.parse("--concurrency", "two"))
        .hasMessage("option '--concurrency': 'two' is not a number");
    assertThatThrownBy(() -> ProxyFlags.parse("--drain-time-s=-1"))
        .hasMessage("option '--drain-time-s': must be at least 0, got -1");
    assertThatThrownBy(() -> ProxyFlags.parse("--disable-hot-restart=yes"))
        .hasMessage("option '--disable-hot-restart' takes no value");
    assertThatThrownBy(() -> ProxyFlags.parse("--help=1")).hasMessage("option '--help' takes no value");
  }

  @Test
  void helpAndVersion() throws Exception {
    assertThat(ProxyFlags.parse("-h").help()).isTrue();
    assertThat(ProxyFlags.parse("--version").version()).isTrue();
    assertThat(ProxyFlags.USAGE).contains("--config-path").contains("--concurrency");
  }
}
