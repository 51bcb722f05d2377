package io.minimesh.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** mesh-proxy's command line: bad configuration exits 1 with one line naming the field. */
class MainTest {
  static int run(ByteArrayOutputStream err, String... args) {
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return new CommandLine(new Main(List.of(args))).execute(args);
    } finally {
      System.setErr(old);
    }
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
}
