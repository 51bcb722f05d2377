package io.minimesh.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** mesh-proxy's command line: bad configuration exits 1 with one line naming the field; bad flags exit 2. */
class MainTest {
  static int run(ByteArrayOutputStream err, String... args) {
    return Main.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void badConfigExitsOneWithPath() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = run(err, "--config-yaml",
        """
        static_resources:
          listeners:
          - name: l
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                http_connection_manager:
                  stat_prefix: x
                  route_config:
                    virtual_hosts:
                    - name: v
                      domains: ["*"]
                      routes:
                      - match: {safe_regex: {regex: "(("}}
                        route: {cluster: c}
        """);
    assertThat(rc).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8).trim())
        .startsWith("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config: virtual_hosts[0].routes[0].match.safe_regex: invalid regex \"((\"");
  }

  @Test
  void missingConfigExitsOne() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(run(err)).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--config-path");
  }

  @Test
  void unknownFlagExitsTwoNamingIt() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(run(err, "-c", "x.yaml", "--bogus")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option: '--bogus'").contains("--help");
  }

  @Test
  void badLogLevelExitsTwo() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(run(err, "-l", "loud", "-c", "x.yaml")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--log-level").contains("\"loud\"");
  }

  @Test
  void versionAndHelpPrintAndExitZero() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThat(Main.run(new String[] {"--version"}, o, e)).isZero();
    assertThat(Main.run(new String[] {"-h"}, o, e)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("minimesh mesh-proxy").contains("--config-path");
  }
}
