package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Applying snapshots: all-or-nothing validation, listener sockets kept, RDS and EDS resources used. */
@ExtendWith(LeakCheck.class)
class ConfigApplyTest {
  TestUpstream up;
  ProxyRuntime proxy;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() {
    up = new TestUpstream("eds", false);
    proxy = Proxies.start(
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
                  stat_prefix: ingress
                  rds: {route_config_name: main}
          clusters:
          - {name: svc, type: EDS, connect_timeout: 1s}
        """);
  }

  @AfterEach
  void stop() {
    proxy.close();
    up.close();
  }

  int status(int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  ConfigSnapshot withRoutesAndEndpoints(ConfigSnapshot s, String routeJson) throws Exception {
    RouteConfiguration rc = JsonPrinter.parse(routeJson, RouteConfiguration.newBuilder()).build();
    ClusterLoadAssignment cla = JsonPrinter.parse(
        "{\"cluster_name\": \"svc\", \"endpoints\": [{\"lb_endpoints\": [{\"endpoint\": {\"address\": {\"socket_address\": "
            + "{\"address\": \"127.0.0.1\", \"port_value\": " + up.port() + "}}}}]}]}",
        ClusterLoadAssignment.newBuilder()).build();
    Instant now = Instant.now();
    return s.withRoutes(Map.of("main", new ConfigSnapshot.Resource<>(rc, "v1", now, false)))
        .withEndpoints(Map.of("svc", new ConfigSnapshot.Resource<>(cla, "v1", now, false)));
  }

  @Test
  void rdsAndEdsUpdatesKeepTheListenerSocket() throws Exception {
    int port = proxy.listenerAddress("http").getPort();
    assertThat(status(port, "/x")).isEqualTo(404); // RDS not there yet: no route
    ConfigSnapshot next = withRoutesAndEndpoints(proxy.current(),
        "{\"name\": \"main\", \"virtual_hosts\": [{\"name\": \"v\", \"domains\": [\"*\"], \"routes\": "
            + "[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"svc\"}}]}]}");
    proxy.apply(next);
    assertThat(proxy.listenerAddress("http").getPort()).isEqualTo(port);
    assertThat(status(port, "/x")).isEqualTo(200);
    assertThat(up.hits("/x")).isEqualTo(1);
  }

  @Test
  void invalidSnapshotIsRejectedAndNothingChanges() throws Exception {
    ConfigSnapshot good = withRoutesAndEndpoints(proxy.current(),
        "{\"name\": \"main\", \"virtual_hosts\": [{\"name\": \"v\", \"domains\": [\"*\"], \"routes\": "
            + "[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"svc\"}}]}]}");
    proxy.apply(good);
    ConfigSnapshot bad = withRoutesAndEndpoints(good,
        "{\"name\": \"main\", \"validate_clusters\": true, \"virtual_hosts\": [{\"name\": \"v\", \"domains\": [\"*\"], \"routes\": "
            + "[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"nope\"}}]}]}");
    assertThatThrownBy(() -> proxy.apply(bad))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("RouteConfiguration \"main\": virtual_hosts[0].routes[0].route.cluster: unknown cluster \"nope\"");
    assertThat(proxy.current()).isSameAs(good);
    assertThat(status(proxy.listenerAddress("http").getPort(), "/y")).isEqualTo(200);
  }

  @Test
  void unsupportedNetworkFilterNamesThePath() throws Exception {
    Listener redis = JsonPrinter.parse(
        "{\"name\": \"redis\", \"address\": {\"socket_address\": {\"address\": \"127.0.0.1\", \"port_value\": 0}}, "
            + "\"filter_chains\": [{\"filters\": [{\"name\": \"envoy.filters.network.redis_proxy\"}]}]}",
        Listener.newBuilder()).build();
    Map<String, ConfigSnapshot.Resource<Listener>> ls = new java.util.LinkedHashMap<>(proxy.current().listeners());
    ls.put("redis", new ConfigSnapshot.Resource<>(redis, "v2", Instant.now(), false));
    assertThatThrownBy(() -> proxy.apply(proxy.current().withListeners(ls)))
        .hasMessage("Listener \"redis\": filter_chains[0].filters[0]: unsupported filter \"envoy.filters.network.redis_proxy\"");
    assertThat(proxy.listenerAddress("redis")).isNull();
  }

  @Test
  void removedListenerIsUnbound() throws Exception {
    assertThat(proxy.listenerAddress("http")).isNotNull();
    proxy.apply(proxy.current().withListeners(Map.of()));
    assertThat(proxy.listenerAddress("http")).isNull();
  }
}
