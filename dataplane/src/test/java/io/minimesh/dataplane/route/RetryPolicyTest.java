package io.minimesh.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.v1.HeaderMatcher;
import io.minimesh.api.xds.v1.Percent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  static io.minimesh.api.xds.v1.RetryPolicy.Builder proto(String on) {
    return io.minimesh.api.xds.v1.RetryPolicy.newBuilder().setRetryOn(on);
  }

  @Test
  void everyEnvoyNameIsKnownAndUnknownOnesAreRejectedWithThePath() throws Exception {
    RetryPolicy p = RetryPolicy.compile(proto("5xx,gateway-error,reset,connect-failure,retriable-4xx,refused-stream,"
        + "retriable-status-codes,retriable-headers,cancelled,deadline-exceeded,internal,resource-exhausted,unavailable").build(), "r");
    assertThat(p.retryOn).isEqualTo((1 << 13) - 1);
    assertThatThrownBy(() -> RetryPolicy.compile(proto("5xx, gateway_error").build(), "routes[0].route.retry_policy"))
        .hasMessage("routes[0].route.retry_policy.retry_on: unknown retry condition \"gateway_error\"");
  }

  @Test
  void conditions() throws Exception {
    RetryPolicy codes = RetryPolicy.compile(proto("retriable-status-codes").addRetriableStatusCodes(418).build(), "r");
    assertThat(codes.retriableResponse(418, -1)).isTrue();
    assertThat(codes.retriableResponse(503, -1)).isFalse();
    RetryPolicy grpc = RetryPolicy.compile(proto("unavailable,resource-exhausted").build(), "r");
    assertThat(grpc.retriableResponse(200, 14)).isTrue();
    assertThat(grpc.retriableResponse(200, 8)).isTrue();
    assertThat(grpc.retriableResponse(200, 13)).isFalse();
    RetryPolicy four = RetryPolicy.compile(proto("retriable-4xx").build(), "r");
    assertThat(four.retriableResponse(409, -1)).isTrue();
    assertThat(four.retriableResponse(404, -1)).isFalse();
    RetryPolicy refused = RetryPolicy.compile(proto("refused-stream").build(), "r");
    assertThat(refused.retriableReset(false, "remote refused stream reset")).isTrue();
    assertThat(refused.retriableReset(false, "connection termination")).isFalse();
    RetryPolicy hdr = RetryPolicy.compile(proto("retriable-headers")
        .addRetriableHeaders(HeaderMatcher.newBuilder().setName("x-upstream-retry").setExactMatch("yes")).build(), "r");
    HttpHeaders h = new DefaultHttpHeaders().set("x-upstream-retry", "yes");
    assertThat(hdr.retriableResponse(200, -1, h)).isTrue();
    assertThat(hdr.retriableResponse(200, -1, new DefaultHttpHeaders())).isFalse();
  }

  @Test
  void retriableHeadersFromEnvoyYaml() throws Exception {
    var route = io.minimesh.dataplane.bootstrap.BootstrapLoader.fromString("""
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
                  route_config:
                    virtual_hosts:
                    - name: v
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        route:
                          cluster: c
                          retry_policy:
                            retry_on: retriable-headers
                            retriable_headers:
                            - name: x-retry-me
                              string_match: {exact: "please"}
        """).getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getHttpConnectionManager()
        .getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute();
    RetryPolicy p = RetryPolicy.compile(route.getRetryPolicy(), "r");
    assertThat(p.retriableResponse(200, -1, new DefaultHttpHeaders().set("x-retry-me", "please"))).isTrue();
    assertThat(p.retriableResponse(200, -1, new DefaultHttpHeaders().set("x-retry-me", "no"))).isFalse();
  }

  @Test
  void budgetReplacesMaxRetries() throws Exception {
    RetryPolicy none = RetryPolicy.compile(proto("5xx").build(), "r");
    assertThat(none.maxActiveRetries(1000, 3)).isEqualTo(3);
    RetryPolicy budget = RetryPolicy.compile(proto("5xx").setBudgetPercent(Percent.newBuilder().setValue(25)).build(), "r");
    assertThat(budget.maxActiveRetries(100, 0)).isEqualTo(25);
    assertThat(budget.maxActiveRetries(4, 0)).as("min_retry_concurrency default 3").isEqualTo(3);
    assertThatThrownBy(() -> RetryPolicy.compile(proto("5xx").setBudgetPercent(Percent.newBuilder().setValue(120)).build(), "r"))
        .hasMessage("r.budget_percent: must be in [0, 100], got 120.0");
  }

  @Test
  void requestHeadersWidenThePolicy() throws Exception {
    HttpHeaders h = new DefaultHttpHeaders()
        .set("x-envoy-retry-on", "retriable-status-codes,bogus")
        .set("x-envoy-retriable-status-codes", "418, 425")
        .set("x-envoy-max-retries", "4");
    RetryPolicy p = RetryPolicy.NONE.withRequestHeaders(h);
    assertThat(p.numRetries).isEqualTo(4);
    assertThat(p.retriableResponse(425, -1)).isTrue();
    assertThat(RetryPolicy.NONE.withRequestHeaders(new DefaultHttpHeaders())).isSameAs(RetryPolicy.NONE);
  }

  @Test
  void backoffIsJitteredAndCapped() throws Exception {
    RetryPolicy p = RetryPolicy.compile(proto("5xx").setRetryBackOff(io.minimesh.api.xds.v1.RetryPolicy.RetryBackOff.newBuilder()
        .setBaseInterval(com.google.protobuf.Duration.newBuilder().setNanos(100_000_000))
        .setMaxInterval(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000))).build(), "r");
    SplittableRandom r = new SplittableRandom(3);
    long max = 0;
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (int i = 0; i < 1000; i++) {
      long d = p.backoffMillis(5, r);
      max = Math.max(max, d);
      seen.add(d);
    }
    assertThat(max).isLessThanOrEqualTo(300);
    assertThat(seen.size()).as("jittered").isGreaterThan(50);
  }
}
