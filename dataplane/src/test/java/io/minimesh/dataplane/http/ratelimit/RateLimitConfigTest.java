package io.minimesh.dataplane.http.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.runtime.internal.Compiler;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Rate limit configuration: validation messages, and buckets kept across config updates. */
class RateLimitConfigTest {
  static final String YAML =
      """
      static_resources:
        listeners:
        - name: l
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              http_connection_manager:
                stat_prefix: t
                rate_limit: {max_tokens: MAX, tokens_per_fill: 1, fill_interval: 1s}
                route_config:
                  virtual_hosts:
                  - name: v
                    domains: ["*"]
                    routes:
                    - match: {prefix: "/"}
                      direct_response: {status: 200}
                      rate_limit: {max_tokens: 5, fill_interval: 2s}
      """;

  final Compiler compiler = new Compiler(new StatsRegistry(), 1, new ConcurrentHashMap<>());

  RuntimeState compile(String yaml) throws Exception {
    return compiler.compile(ConfigSnapshot.fromBootstrap(BootstrapLoader.fromString(yaml), Instant.EPOCH));
  }

  static LocalRateLimiter listenerLimiter(RuntimeState s) {
    return s.listeners.get("l").hcm().policies().rateLimit;
  }

  @Test
  void unchangedLimitKeepsItsBucketAcrossUpdates() throws Exception {
    RuntimeState first = compile(YAML.replace("MAX", "2"));
    LocalRateLimiter l1 = listenerLimiter(first);
    assertThat(l1.bucket().tryConsume(0)).isTrue();
    assertThat(l1.bucket().tryConsume(0)).isTrue();
    RuntimeState second = compile(YAML.replace("MAX", "2"));
    assertThat(listenerLimiter(second).bucket()).isSameAs(l1.bucket());
    assertThat(listenerLimiter(second).bucket().tryConsume(1)).as("still empty after the update").isFalse();
    RuntimeState changed = compile(YAML.replace("MAX", "3"));
    assertThat(listenerLimiter(changed).bucket()).isNotSameAs(l1.bucket());
    assertThat(listenerLimiter(changed).config().maxTokens()).isEqualTo(3);
  }

  @Test
  void badValuesNameTheField() {
    assertThatThrownBy(() -> compile(YAML.replace("MAX", "0")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("rate_limit.max_tokens: must be positive");
    assertThatThrownBy(() -> compile(YAML.replace("MAX", "1").replace("fill_interval: 2s", "fill_interval: 0.01s")))
        .hasMessageContaining("virtual_hosts[0].routes[0].rate_limit.fill_interval: must be at least 50ms");
  }

  @Test
  void envoyFilterConfigErrorsNameTheField() {
    String envoy =
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
                  - name: envoy.filters.http.local_ratelimit
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                      stat_prefix: rl
                      token_bucket: {max_tokens: 10, tokens_per_fil: 10, fill_interval: 1s}
                  - name: envoy.filters.http.router
                  route_config:
                    virtual_hosts:
                    - name: v
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        direct_response: {status: 200}
        """;
    assertThatThrownBy(() -> compile(envoy))
        .hasMessageContaining("http_filters[0].typed_config.token_bucket.tokens_per_fil: unknown field");
    assertThatThrownBy(() -> compile(envoy.replace("tokens_per_fil:", "tokens_per_fill:").replace("stat_prefix: rl", "stat_prefix: \"\"")))
        .hasMessageContaining("http_filters[0].typed_config.stat_prefix: required");
  }
}
