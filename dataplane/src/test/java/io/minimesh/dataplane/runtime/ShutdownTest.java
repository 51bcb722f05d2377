package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Graceful shutdown: stop accepting, let in-flight requests finish, then close. */
@ExtendWith(LeakCheck.class)
class ShutdownTest {
  @Test
  void inFlightRequestFinishesWhileNewConnectionsAreRefused() throws Exception {
    try (TestUpstream up = new TestUpstream("a", false)) {
      ProxyRuntime proxy = Proxies.start(
          """
          admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
          static_resources:
            listeners:
            - name: http
              address: {socket_address: {address: 127.0.0.1, port_value: 0}}
              filter_chains:
              - filters:
                - name: envoy.filters.network.http_connection_manager
                  http_connection_manager:
                    stat_prefix: s
                    route_config:
                      virtual_hosts:
                      - {name: v, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: a}}]}
            clusters:
          """ + Proxies.staticCluster("a", "", up.port()));
      int port = proxy.listenerAddress("http").getPort();
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/delay/800")).build(),
          HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> up.hits("/delay/800") == 1);
      CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> proxy.shutdown(Duration.ofSeconds(5)));
      await().atMost(Duration.ofSeconds(5)).until(proxy::isDraining);
      assertThatThrownBy(() -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        }
      }).isInstanceOf(java.io.IOException.class);
      HttpResponse<String> r = slow.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("delayed");
      assertThat(r.headers().firstValue("connection")).hasValue("close");
      shutdown.get();
    }
  }
}
