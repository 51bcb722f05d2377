package io.minimesh.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.runtime.TimeSource;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.TestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault injection and local rate limiting in the connection manager, on an EmbeddedChannel with a
 * driven clock and random source. Configured the way Envoy users write it (http_filters plus
 * typed_per_filter_config), and through Minimesh's route fields.
 */
@ExtendWith(LeakCheck.class)
class TrafficPolicyTest {
  static final String YAML =
      """
      static_resources:
        listeners:
        - name: l
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: t
                http_filters:
                - name: envoy.filters.http.fault
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                - name: envoy.filters.http.local_ratelimit
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    stat_prefix: listener_rl
                    token_bucket: {max_tokens: 3, tokens_per_fill: 3, fill_interval: 1s}
                    filter_enabled: {runtime_key: e, default_value: {numerator: 100, denominator: HUNDRED}}
                    filter_enforced: {runtime_key: f, default_value: {numerator: 100, denominator: HUNDRED}}
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                route_config:
                  virtual_hosts:
                  - name: limited
                    domains: ["limited.example"]
                    typed_per_filter_config:
                      envoy.filters.http.local_ratelimit:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                        stat_prefix: vhost_rl
                        token_bucket: {max_tokens: 2, tokens_per_fill: 1, fill_interval: 1s}
                        filter_enabled: {default_value: {numerator: 100}}
                        filter_enforced: {default_value: {numerator: 100}}
                        response_headers_to_add:
                        - append_action: OVERWRITE_IF_EXISTS_OR_ADD
                          header: {key: x-local-rate-limit, value: "true"}
                    routes:
                    - match: {path: "/route-limited"}
                      direct_response: {status: 200, body: {inline_string: "r"}}
                      typed_per_filter_config:
                        envoy.filters.http.local_ratelimit:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                          stat_prefix: route_rl
                          token_bucket: {max_tokens: 1, tokens_per_fill: 1, fill_interval: 60s}
                          filter_enabled: {default_value: {numerator: 100}}
                          filter_enforced: {default_value: {numerator: 100}}
                    - match: {prefix: "/"}
                      direct_response: {status: 200, body: {inline_string: "v"}}
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: {path: "/delay"}
                      direct_response: {status: 200, body: {inline_string: "late"}}
                      typed_per_filter_config:
                        envoy.filters.http.fault:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          delay: {fixed_delay: 2s, percentage: {numerator: 100}}
                    - match: {path: "/abort"}
                      direct_response: {status: 200, body: {inline_string: "fine"}}
                      typed_per_filter_config:
                        envoy.filters.http.fault:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          abort: {http_status: 503, percentage: {numerator: 500000, denominator: MILLION}}
                    - match: {path: "/grpc-abort"}
                      direct_response: {status: 200}
                      typed_per_filter_config:
                        envoy.filters.http.fault:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          abort: {grpc_status: 14, percentage: {numerator: 100}}
                    - match: {path: "/delay-abort"}
                      direct_response: {status: 200}
                      typed_per_filter_config:
                        envoy.filters.http.fault:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          delay: {fixed_delay: 0.5s, percentage: {numerator: 100}}
                          abort: {http_status: 418, percentage: {numerator: 100}}
                    - match: {prefix: "/"}
                      direct_response: {status: 200, body: {inline_string: "ok"}}
      """;

  TestContext ctx;
  EmbeddedChannel ch;
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  double nextRandom = 0.0;

  @BeforeEach
  void setUp() throws Exception {
    ctx = new TestContext(YAML);
    ctx.time = new TimeSource() {
      @Override
      public long nanoTime() {
        return nanos.get();
      }

      @Override
      public long currentTimeMillis() {
        return nanos.get() / 1_000_000;
      }
    };
    ctx.random = new RandomGenerator() {
      @Override
      public long nextLong() {
        return (long) (nextRandom * Long.MAX_VALUE);
      }

      @Override
      public double nextDouble() {
        return nextRandom;
      }
    };
    ch = new EmbeddedChannel();
    ch.freezeTime(); // only advanceTimeBy moves the event loop clock
    HttpConnectionInit.installHttp1(ch.pipeline(), ctx, () -> ctx.hcm("l"));
  }

  @AfterEach
  void tearDown() {
    ch.finishAndReleaseAll();
    ctx.close();
  }

  String send(String request) {
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
    ch.runPendingTasks();
    return drain();
  }

  String get(String host, String path) {
    return send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }

  String drain() {
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return sb.toString();
  }

  long stat(String name) {
    return ctx.stats.snapshot().getOrDefault(name, -1L);
  }

  @Test
  void delayHoldsTheRequestOnATimerThenContinues() {
    assertThat(get("a", "/delay")).as("nothing before the delay elapsed").isEmpty();
    ch.advanceTimeBy(1999, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(drain()).isEmpty();
    ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(drain()).startsWith("HTTP/1.1 200 OK").endsWith("late");
    assertThat(stat("http.t.fault.delays_injected")).isEqualTo(1);
    assertThat(stat("http.t.fault.aborts_injected")).isZero();
  }

  @Test
  void abortFollowsItsPercentage() {
    nextRandom = 0.49; // below 50 %
    assertThat(get("a", "/abort")).startsWith("HTTP/1.1 503").endsWith("fault filter abort");
    nextRandom = 0.51;
    assertThat(get("a", "/abort")).startsWith("HTTP/1.1 200").endsWith("fine");
    assertThat(stat("http.t.fault.aborts_injected")).isEqualTo(1);
  }

  @Test
  void grpcAbortIsTrailersOnly() {
    String r = send("POST /grpc-abort HTTP/1.1\r\nHost: a\r\ncontent-type: application/grpc\r\ncontent-length: 0\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200 OK").contains("grpc-status: 14").contains("content-type: application/grpc")
        .contains("content-length: 0");
  }

  @Test
  void delayThenAbort() {
    assertThat(get("a", "/delay-abort")).isEmpty();
    ch.advanceTimeBy(500, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(drain()).startsWith("HTTP/1.1 418");
    assertThat(stat("http.t.fault.delays_injected")).isEqualTo(1);
    assertThat(stat("http.t.fault.aborts_injected")).isEqualTo(1);
  }

  @Test
  void downstreamCloseDuringDelayCancelsIt() {
    assertThat(get("a", "/delay")).isEmpty();
    ch.close();
    ch.advanceTimeBy(3, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(drain()).isEmpty();
  }

  @Test
  void listenerBucketLimitsAndRefillsWithTheClock() {
    for (int i = 0; i < 3; i++) assertThat(get("a", "/x")).startsWith("HTTP/1.1 200");
    String limited = get("a", "/x");
    assertThat(limited).startsWith("HTTP/1.1 429").endsWith("local_rate_limited").doesNotContain("x-local-rate-limit");
    nanos.addAndGet(1_000_000_000L);
    assertThat(get("a", "/x")).startsWith("HTTP/1.1 200");
    assertThat(stat("listener_rl.http_local_rate_limit.rate_limited")).isEqualTo(1);
    assertThat(stat("listener_rl.http_local_rate_limit.ok")).isEqualTo(4);
    assertThat(stat("listener_rl.http_local_rate_limit.enforced")).isEqualTo(1);
  }

  @Test
  void mostSpecificLimitWins() {
    // The virtual host's bucket (2) replaces the listener's (3), the route's (1) replaces the virtual host's.
    assertThat(get("limited.example", "/v")).startsWith("HTTP/1.1 200");
    assertThat(get("limited.example", "/v")).startsWith("HTTP/1.1 200");
    assertThat(get("limited.example", "/v")).startsWith("HTTP/1.1 429").contains("x-local-rate-limit: true");
    assertThat(get("limited.example", "/route-limited")).startsWith("HTTP/1.1 200");
    assertThat(get("limited.example", "/route-limited")).startsWith("HTTP/1.1 429");
    nanos.addAndGet(1_000_000_000L); // the vhost bucket gains 1, the route bucket (60 s) nothing
    assertThat(get("limited.example", "/v")).startsWith("HTTP/1.1 200");
    assertThat(get("limited.example", "/v")).startsWith("HTTP/1.1 429");
    assertThat(get("limited.example", "/route-limited")).startsWith("HTTP/1.1 429");
    assertThat(stat("vhost_rl.http_local_rate_limit.rate_limited")).isEqualTo(2);
    assertThat(stat("route_rl.http_local_rate_limit.rate_limited")).isEqualTo(2);
    assertThat(stat("listener_rl.http_local_rate_limit.ok")).isZero();
  }
}
