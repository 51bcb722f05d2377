package io.minimesh.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {
  static AccessLogEntry entry() {
    HttpHeaders req = new DefaultHttpHeaders().add("user-agent", "curl/8").add("x-request-id", "rid").add("x-forwarded-for", "10.0.0.1");
    HttpHeaders resp = new DefaultHttpHeaders().add("x-envoy-upstream-service-time", "7");
    return new AccessLogEntry(0L, "GET", "/p?q=1", "host:80", "HTTP/1.1", 503, "UF", 12, 34, 56, 7, req, resp, null,
        "10.0.0.9:80", "c", "10.0.0.1:5555", "10.0.0.2:80", "r1", "upstream_reset");
  }

  @Test
  void envoyDefaultFormat() throws Exception {
    assertThat(AccessLogFormat.text("").format(entry()))
        .isEqualTo("[1970-01-01T00:00:00.000Z] \"GET /p?q=1 HTTP/1.1\" 503 UF 12 34 56 7 \"10.0.0.1\" \"curl/8\" \"rid\" \"host:80\" \"10.0.0.9:80\"\n");
  }

  @Test
  void commandsAlternativesAndTruncation() throws Exception {
    AccessLogFormat f = AccessLogFormat.text(
        "%REQ(X-MISSING?USER-AGENT)% %REQ(USER-AGENT):2% %UPSTREAM_CLUSTER% %ROUTE_NAME% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %RESP(NOPE)% 100%%\n");
    assertThat(f.format(entry())).isEqualTo("curl/8 cu c r1 10.0.0.1 - 100%\n");
  }

  @Test
  void jsonFormat() throws Exception {
    assertThat(AccessLogFormat.json(Map.of("code", "%RESPONSE_CODE%", "flags", "%RESPONSE_FLAGS%", "none", "%RESP(NOPE)%")).format(entry()))
        .isEqualTo("{\"code\":\"503\",\"flags\":\"UF\",\"none\":null}\n");
  }

  @Test
  void unknownCommandIsAConfigError() {
    assertThatThrownBy(() -> AccessLogFormat.text("%NOT_A_THING%")).isInstanceOf(InvalidConfigException.class)
        .hasMessage("format: unsupported command %NOT_A_THING%");
  }
}
