package io.minimesh.dataplane.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.SocketAddress;
import org.junit.jupiter.api.Test;

/** Which requests envoy.filters.http.health_check answers itself (Envoy's HeaderMatcher semantics). */
class HealthCheckFilterFactoryTest {
  static HttpFilter filter(String json) throws Exception {
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(json, b);
    return new HealthCheckFilterFactory().create(b.build());
  }

  /** One request; status is what the filter answered locally (0: nothing). */
  static final class Ctx implements HttpFilterContext {
    final String path;
    int status;

    Ctx(String path) {
      this.path = path;
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public void setPath(String p) {}

    @Override
    public String authority() {
      return "lb.example.com";
    }

    @Override
    public SocketAddress remoteAddress() {
      return null;
    }

    @Override
    public String requestId() {
      return "id";
    }

    @Override
    public void sendLocalReply(int s, String body) {
      status = s;
    }
  }

  static int answer(HttpFilter f, String path, HttpHeaders h) {
    Ctx c = new Ctx(path);
    FilterResult r = f.onRequestHeaders(c, h);
    return r == FilterResult.STOP ? c.status : 0;
  }

  @Test
  void everyHeaderMatcherMustMatch() throws Exception {
    HttpFilter f = filter("""
        {"pass_through_mode": false, "headers": [
          {"name": ":path", "string_match": {"prefix": "/HEALTH", "ignore_case": true}},
          {"name": "x-skip", "present_match": false},
          {"name": "user-agent", "safe_regex_match": {"google_re2": {}, "regex": "ELB-.*"}}]}
        """);
    HttpHeaders lb = new DefaultHttpHeaders().add("user-agent", "ELB-HealthChecker/2.0");
    assertThat(answer(f, "/healthz", lb)).isEqualTo(200);
    assertThat(answer(f, "/other", lb)).isZero();
    assertThat(answer(f, "/healthz", lb.copy().add("x-skip", "1"))).as("present_match: false").isZero();
    assertThat(answer(f, "/healthz", new DefaultHttpHeaders().add("user-agent", "curl"))).isZero();
  }

  @Test
  void passThroughNeverAnswers() throws Exception {
    HttpFilter f = filter("{\"pass_through_mode\": true, \"headers\": [{\"name\": \":path\", \"exact_match\": \"/h\"}]}");
    assertThat(answer(f, "/h", new DefaultHttpHeaders())).isZero();
  }

  @Test
  void badMatchersNameTheField() {
    assertThatThrownBy(() -> filter(
        "{\"pass_through_mode\": false, \"headers\": [{\"name\": \"x\", \"safe_regex_match\": {\"regex\": \"((\"}}]}"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("headers[0]").hasMessageContaining("regex");
    assertThatThrownBy(() -> filter("{\"pass_through_mode\": false, \"headers\": [{\"name\": \"x\", \"exakt\": \"y\"}]}"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("exakt");
    assertThatThrownBy(() -> filter("{\"headers\": []}")).hasMessageContaining("pass_through_mode");
  }
}
