package io.minimesh.dataplane.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.dataplane.bootstrap.BootstrapLoader.Format;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Bad configs get one message naming the path of the bad field. */
class BootstrapErrorTest {
  private static final String HCM_TYPE =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  private static String envoyListenerWithFilter(String filter) {
    return """
        static_resources:
          listeners:
          - name: l
            address: {socket_address: {address: 127.0.0.1, port_value: 10000}}
            filter_chains:
            - filters:
        %s
        """.formatted(filter.indent(6).stripTrailing());
  }

  private static String message(String yaml) {
    try {
      BootstrapLoader.fromString(yaml);
    } catch (InvalidConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected the config to be rejected:\n" + yaml);
  }

  @Test
  void unsupportedNetworkFilterIsNamedWithItsPath() {
    String yaml = envoyListenerWithFilter("""
        - name: envoy.filters.network.redis_proxy
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy
            stat_prefix: redis
        """);
    assertThat(message(yaml)).startsWith(
        "static_resources.listeners[0].filter_chains[0].filters[0]: unsupported filter \"envoy.filters.network.redis_proxy\"");
  }

  @Test
  void unknownFieldIsAnErrorWithASuggestion() {
    String yaml = """
        static_resources:
          clusters:
          - name: a
            connect_timeout: 1s
          - name: b
            lb_polcy: ROUND_ROBIN
        """;
    assertThat(message(yaml))
        .startsWith("static_resources.clusters[1].lb_polcy: unknown field")
        .contains("did you mean \"lb_policy\"");
  }

  @Test
  void unknownFieldInsideEnvoyTypedConfig() {
    String yaml = envoyListenerWithFilter("""
        - name: envoy.filters.network.http_connection_manager
          typed_config:
            "@type": %s
            stat_prefix: x
            route_config: {virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {clustr: c}}]}]}
        """.formatted(HCM_TYPE));
    assertThat(message(yaml)).startsWith("static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
        + ".route_config.virtual_hosts[0].routes[0].route.clustr: unknown field");
  }

  @Test
  void badEnumValueListsTheAllowedOnes() {
    String yaml = "static_resources: {clusters: [{name: a, lb_policy: CLUSTER_PROVIDED}]}";
    assertThat(message(yaml)).isEqualTo("static_resources.clusters[0].lb_policy: unknown value \"CLUSTER_PROVIDED\";"
        + " expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV");
  }

  @Test
  void typeErrorsNameThePath() {
    assertThat(message("admin: {address: {socket_address: {address: 127.0.0.1, port_value: http}}}"))
        .isEqualTo("admin.address.socket_address.port_value: expected an integer, got \"http\"");
    assertThat(message("admin: {address: {socket_address: {address: 127.0.0.1, port_value: 70000}}}"))
        .isEqualTo("admin.address.socket_address.port_value: value 70000 is out of range [0, 65535]");
    assertThat(message("static_resources: {clusters: {name: a}}"))
        .isEqualTo("static_resources.clusters: expected a list, got a mapping");
    assertThat(message("static_resources: {clusters: [{name: a, connect_timeout: 5}]}"))
        .startsWith("static_resources.clusters[0].connect_timeout: expected a duration like \"5s\"");
  }

  @Test
  void twoMembersOfOneOneofAreRejected() {
    String yaml = """
        static_resources:
          listeners:
          - name: l
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                http_connection_manager:
                  route_config:
                    virtual_hosts:
                    - routes:
                      - match: {prefix: /, path: /x}
        """;
    assertThat(message(yaml)).isEqualTo("static_resources.listeners[0].filter_chains[0].filters[0]"
        + ".http_connection_manager.route_config.virtual_hosts[0].routes[0].match.path:"
        + " only one of prefix, path, safe_regex may be set (prefix is set too)");
  }

  @Test
  void envoyV2IsRejectedClearly() {
    String v2Filter = envoyListenerWithFilter("""
        - name: envoy.http_connection_manager
          config:
            stat_prefix: ingress_http
        """);
    assertThat(message(v2Filter)).isEqualTo("static_resources.listeners[0].filter_chains[0].filters[0].config:"
        + " Envoy v2 configuration is not supported (found \"config\", use typed_config); use the v3 API"
        + " (see docs/envoy-compat.md)");
    String v2Hosts = """
        static_resources:
          clusters:
          - name: a
            connect_timeout: 0.25s
            hosts: [{socket_address: {address: 127.0.0.1, port_value: 80}}]
        """;
    assertThat(message(v2Hosts)).startsWith("static_resources.clusters[0].hosts: Envoy v2 configuration is not supported");
    String v2Type = envoyListenerWithFilter("""
        - name: envoy.http_connection_manager
          typed_config:
            "@type": type.googleapis.com/envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager
        """);
    assertThat(message(v2Type)).startsWith(
        "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.@type: Envoy v2 configuration is not supported");
  }

  @Test
  void envoyV1IsRejectedClearly() {
    String v1 = """
        listeners:
        - address: tcp://127.0.0.1:10000
          filters: []
        admin:
          address: tcp://127.0.0.1:9901
        """;
    assertThat(message(v1)).startsWith("listeners: Envoy v2 configuration is not supported (found a top-level \"listeners\" (Envoy v1))");
  }

  @Test
  void aSingleMappingStandsForAOneElementListInEnvoyDocumentsOnly() throws Exception {
    String cluster = "{name: a, load_assignment: {endpoints: {lb_endpoints: {endpoint: {address: "
        + "{socket_address: {address: 127.0.0.1, port_value: 80}}}}}}}";
    Bootstrap envoy = BootstrapLoader.fromString("layered_runtime: {}\nstatic_resources: {clusters: " + cluster + "}");
    assertThat(envoy.getStaticResources().getClusters(0).getLoadAssignment().getEndpoints(0).getLbEndpointsCount())
        .isEqualTo(1);
    assertThat(message("static_resources: {clusters: " + cluster + "}"))
        .isEqualTo("static_resources.clusters: expected a list, got a mapping");
  }

  @Test
  void adsClusterMustExist() {
    String yaml = """
        dynamic_resources:
          ads_config:
            api_type: GRPC
            grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
          cds_config: {ads: {}}
        """;
    assertThat(message(yaml)).isEqualTo(
        "dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name: no static cluster named \"xds_cluster\"");
  }

  @Test
  void onlyAdsConfigSourcesAndStateOfTheWorld() {
    assertThat(message("dynamic_resources: {lds_config: {api_config_source: {api_type: REST}}}"))
        .startsWith("dynamic_resources.lds_config.api_config_source: not supported: only ADS config sources");
    assertThat(message("dynamic_resources: {lds_config: {path: /nonexistent/lds.yaml}}"))
        .startsWith("dynamic_resources.lds_config.path: cannot read \"/nonexistent/lds.yaml\"");
    assertThat(message("dynamic_resources: {ads_config: {api_type: DELTA_GRPC, grpc_services: []}}"))
        .startsWith("dynamic_resources.ads_config.api_type: delta xDS is not supported");
  }

  @Test
  void unsupportedExtensionsAreNamed() {
    String listenerFilter = """
        static_resources:
          listeners:
          - name: l
            listener_filters:
            - name: envoy.filters.listener.proxy_protocol
        """;
    assertThat(message(listenerFilter)).startsWith(
        "static_resources.listeners[0].listener_filters[0]: unsupported listener filter \"envoy.filters.listener.proxy_protocol\"");
    String socket = """
        static_resources:
          clusters:
          - name: c
            transport_socket:
              name: envoy.transport_sockets.alts
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts
        """;
    assertThat(message(socket)).startsWith(
        "static_resources.clusters[0].transport_socket: unsupported transport socket");
    String logger = envoyListenerWithFilter("""
        - name: envoy.filters.network.tcp_proxy
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
            cluster: c
            access_log:
            - name: my.logger
        """);
    assertThat(message(logger)).startsWith("static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
        + ".access_log[0]: unsupported access logger \"my.logger\"");
  }

  @Test
  void syntaxErrorsAndNonMappings() {
    assertThat(message("static_resources: [unclosed")).startsWith("config is not valid YAML/JSON: line");
    assertThat(message("- a\n- b\n")).isEqualTo("config must be a mapping at the top level, got a list");
    assertThat(message("node: {id: a}\nnode: {id: b}\n")).contains("Duplicate field 'node'");
  }

  @Test
  void missingFileIsReported() {
    assertThatThrownBy(() -> BootstrapLoader.fromFile(Path.of("/nonexistent/envoy.yaml")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("cannot read config file /nonexistent/envoy.yaml");
  }

  @Test
  void emptyConfigIsTheDefaultBootstrap() throws Exception {
    assertThat(BootstrapLoader.fromString("")).isEqualTo(Bootstrap.getDefaultInstance());
    assertThat(BootstrapLoader.fromString("# nothing\n")).isEqualTo(Bootstrap.getDefaultInstance());
  }

  @Test
  void formatDetection() throws Exception {
    assertThat(BootstrapLoader.detectFormat("static_resources: {clusters: [{name: a}]}")).isEqualTo(Format.MINIMESH);
    assertThat(BootstrapLoader.detectFormat("dynamic_resources: {ads_address: 'h:1'}")).isEqualTo(Format.MINIMESH);
    assertThat(BootstrapLoader.detectFormat(envoyListenerWithFilter("- name: x\n  typed_config: {}\n")))
        .isEqualTo(Format.ENVOY);
    assertThat(BootstrapLoader.detectFormat("layered_runtime: {}")).isEqualTo(Format.ENVOY);
    assertThat(BootstrapLoader.detectFormat("static_resources: {listeners: [{listener_filters: [{name: x}]}]}"))
        .isEqualTo(Format.ENVOY);
  }

  @Test
  void sharedFieldsMeanTheSameInBothFormats() throws Exception {
    String shared = """
        static_resources:
          clusters:
          - name: a
            connect_timeout: {seconds: 2, nanos: 500000000}
            type: STRICT_DNS
            lb_policy: MAGLEV
        """;
    Bootstrap minimesh = BootstrapLoader.fromString(shared);
    Bootstrap envoy = BootstrapLoader.fromString(shared + "layered_runtime: {layers: []}\n");
    assertThat(envoy).isEqualTo(minimesh);
    Cluster c = minimesh.getStaticResources().getClusters(0);
    assertThat(c.getConnectTimeout().getSeconds()).isEqualTo(2);
    assertThat(c.getConnectTimeout().getNanos()).isEqualTo(500_000_000);
    assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.MAGLEV);
  }

  @Test
  void durationsAcceptEnvoyAndFriendlierSpellings() throws Exception {
    Bootstrap b = BootstrapLoader.fromString(
        "static_resources: {clusters: [{name: a, connect_timeout: 0.25s}, {name: b, connect_timeout: 250ms},"
            + " {name: c, connect_timeout: 1m}]}");
    assertThat(b.getStaticResources().getClusters(0).getConnectTimeout().getNanos()).isEqualTo(250_000_000);
    assertThat(b.getStaticResources().getClusters(1).getConnectTimeout().getNanos()).isEqualTo(250_000_000);
    assertThat(b.getStaticResources().getClusters(2).getConnectTimeout().getSeconds()).isEqualTo(60);
  }
}
