package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestCommandTest {
  @Test
  void forwardsToTheAdminApi() throws Exception {
    try (FakeHttpServer admin = new FakeHttpServer()) {
      admin.reply("/config_dump", 200, "{\"bootstrap\":{}}\n").reply("/logging", 200, "active loggers\n");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      var cl = Cli.commandLine(new Env(Map.of()), new PrintWriter(out, true), new PrintWriter(err, true));
      String port = Integer.toString(admin.port());

      assertThat(cl.execute("request", "GET", "config_dump", "--debug-port", port)).isZero();
      assertThat(out.toString()).isEqualTo("{\"bootstrap\":{}}\n");
      assertThat(cl.execute("request", "post", "/logging?level=debug", "--debug-port", port)).isZero();
      assertThat(admin.saw("POST", "/logging?level=debug")).isTrue();

      assertThat(cl.execute("request", "GET", "nope", "--debug-port", port)).isEqualTo(1);
      assertThat(err.toString()).contains("Error: GET /nope answered 404");
      assertThat(cl.execute("request", "DELETE", "x", "--debug-port", port)).isEqualTo(2);
      assertThat(err.toString()).contains("invalid method \"DELETE\": expected GET or POST");
    }
  }
}
