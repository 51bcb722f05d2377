package io.minimesh.dataplane.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.HttpFilter;
import io.minimesh.api.xds.v1.VirtualHost;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.runtime.internal.Compiler;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Real-world Envoy bootstrap shapes: load them as mesh-proxy does and compile them (no sockets bound). */
class EnvoyCompatTest {
  static Bootstrap loadAndCompile(String yaml) throws InvalidConfigException {
    Bootstrap b = BootstrapLoader.fromString(yaml);
    new Compiler(new StatsRegistry(), 1, new ConcurrentHashMap<>()).compile(ConfigSnapshot.fromBootstrap(b, Instant.EPOCH));
    return b;
  }

  static String hcm(String httpFilters, String virtualHost) {
    return """
        static_resources:
          listeners:
          - name: l
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: h
                  route_config:
                    virtual_hosts:
        %s
                  http_filters:
        %s
          clusters:
          - name: c
            load_assignment:
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}}]}]
        """.formatted(virtualHost.indent(12), httpFilters.indent(12));
  }

  static final String SIMPLE_VH = "- {name: v, domains: ['*'], routes: [{match: {prefix: /}, route: {cluster: c}}]}";
  static final String ROUTER = """
      - name: envoy.filters.http.router
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
      """;

  static HttpConnectionManager firstHcm(Bootstrap b) {
    return b.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getHttpConnectionManager();
  }

  @Test
  void commonSnippetsLoadAndCompile() throws Exception {
    Bootstrap b = BootstrapLoader.fromFile(Path.of("src/test/resources/bootstrap/common-snippets.yaml"));
    new Compiler(new StatsRegistry(), 1, new ConcurrentHashMap<>()).compile(ConfigSnapshot.fromBootstrap(b, Instant.EPOCH));
    // The optional ext_authz filter is skipped; the CORS filter only enables the routes' policies;
    // the router is recognised by its @type whatever its name.
    assertThat(firstHcm(b).getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.router");
  }

  @Test
  void unsupportedHttpFilterIsNamedWithItsTypeAndPath() {
    String lua = """
        - name: my_lua
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
            default_source_code: {inline_string: "function envoy_on_request(h) end"}
        """ + ROUTER;
    assertThatThrownBy(() -> loadAndCompile(hcm(lua, SIMPLE_VH)))
        .hasMessageStartingWith("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0]:"
            + " unsupported HTTP filter \"my_lua\" (envoy.extensions.filters.http.lua.v3.Lua)");
  }

  @Test
  void optionalUnsupportedHttpFilterIsSkipped() throws Exception {
    String filters = """
        - name: envoy.filters.http.ext_authz
          is_optional: true
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
            http_service: {server_uri: {uri: "127.0.0.1:9000", cluster: authz, timeout: 0.25s}}
        - name: envoy.filters.http.compressor
          is_optional: false
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor}
        """ + ROUTER;
    assertThatThrownBy(() -> loadAndCompile(hcm(filters, SIMPLE_VH)))
        .hasMessageContaining("http_filters[1]: unsupported HTTP filter \"envoy.filters.http.compressor\"");
    Bootstrap b = loadAndCompile(hcm(filters.replace("is_optional: false", "is_optional: true"), SIMPLE_VH));
    assertThat(firstHcm(b).getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.router");
  }

  @Test
  void builtInFiltersAreRecognisedByTypeWhateverTheirName() throws Exception {
    String filters = """
        - name: faults
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
            abort: {http_status: 503, percentage: {numerator: 100}}
        - name: router
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """;
    Bootstrap b = loadAndCompile(hcm(filters, SIMPLE_VH));
    assertThat(firstHcm(b).getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.fault", "envoy.filters.http.router");
    // Pre-v3 names without a typed_config.
    b = loadAndCompile(hcm("- name: envoy.cors\n- name: envoy.router\n", SIMPLE_VH));
    assertThat(firstHcm(b).getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.router");
  }

  @Test
  void corsPoliciesInTypedPerFilterConfigMergeFromVirtualHostToRoute() throws Exception {
    String vh = """
        - name: v
          domains: ['*']
          typed_per_filter_config:
            envoy.filters.http.cors:
              "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
              allow_origin_string_match: [{exact: "https://a.example.com"}]
              allow_methods: "GET, POST"
              filter_enabled: {default_value: {numerator: 100, denominator: HUNDRED}, runtime_key: k}
              shadow_enabled: {default_value: {numerator: 0}}
          routes:
          - match: {prefix: /disabled}
            route: {cluster: c}
            typed_per_filter_config:
              envoy.filters.http.cors:
                "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                filter_enabled: {default_value: {numerator: 0, denominator: HUNDRED}}
          - match: {prefix: /get}
            route: {cluster: c}
            typed_per_filter_config:
              envoy.filters.http.cors:
                "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                allow_methods: GET
          - match: {prefix: /}
            route: {cluster: c}
        """;
    String filters = """
        - name: envoy.filters.http.cors
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}
        """ + ROUTER;
    VirtualHost v = firstHcm(loadAndCompile(hcm(filters, vh))).getRouteConfig().getVirtualHosts(0);
    assertThat(v.getCors().getAllowOriginStringMatch(0).getExact()).isEqualTo("https://a.example.com");
    assertThat(v.getCors().getAllowMethods()).isEqualTo("GET, POST");
    assertThat(v.getTypedPerFilterConfigMap()).doesNotContainKey("envoy.filters.http.cors");
    // filter_enabled 0 %: no origin allowed on that route.
    assertThat(v.getRoutes(0).getRoute().getCors().getAllowOriginStringMatchCount()).isZero();
    assertThat(v.getRoutes(0).getRoute().hasCors()).isTrue();
    // The route's fields win, the others come from the virtual host.
    assertThat(v.getRoutes(1).getRoute().getCors().getAllowMethods()).isEqualTo("GET");
    assertThat(v.getRoutes(1).getRoute().getCors().getAllowOriginStringMatch(0).getExact())
        .isEqualTo("https://a.example.com");
    assertThat(v.getRoutes(2).getRoute().hasCors()).isFalse();
  }

  @Test
  void observabilityConfigIsAcceptedAndIgnored() throws Exception {
    String yaml = """
        tracing:
          http:
            name: envoy.tracers.zipkin
            typed_config:
              "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
              collector_cluster: zipkin
              collector_endpoint: /api/v2/spans
        stats_sinks:
        - name: envoy.stat_sinks.statsd
          typed_config: {"@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink, tcp_cluster_name: s}
        layered_runtime: {layers: [{name: rtds, rtds_layer: {name: rtds, rtds_config: {ads: {}}}}]}
        overload_manager: {refresh_interval: 0.25s}
        dns_resolution_config: {resolvers: [{socket_address: {address: 8.8.8.8, port_value: 53}}]}
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          access_log:
          - name: envoy.access_loggers.stdout
            typed_config: {"@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog}
        """;
    Bootstrap b = loadAndCompile(yaml);
    assertThat(b.getAdmin().getAccessLogPath()).isEqualTo("/dev/stdout");
  }

  @Test
  void fileBasedLdsAndCdsAreReadAtLoad(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path lds = dir.resolve("lds.yaml");
    Path cds = dir.resolve("cds.yaml");
    java.nio.file.Files.writeString(lds, """
        resources:
        - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
          name: listener_0
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
              name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: ingress_http
                http_filters:
                - name: envoy.filters.http.router
                  typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                route_config:
                  virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: example_proxy_cluster}}]}]
        """);
    java.nio.file.Files.writeString(cds, """
        resources:
        - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
          name: example_proxy_cluster
          type: STRICT_DNS
          typed_extension_protocol_options:
            envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
              "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
              explicit_http_config: {http2_protocol_options: {}}
          load_assignment:
            cluster_name: example_proxy_cluster
            endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: localhost, port_value: 8080}}}}]}]
        """);
    String yaml = """
        node: {id: id_1, cluster: test}
        dynamic_resources:
          cds_config: {path_config_source: {path: CDS}}
          lds_config: {path: LDS, resource_api_version: V3}
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        """.replace("CDS", cds.toString()).replace("LDS", lds.toString());
    Bootstrap b = loadAndCompile(yaml);
    assertThat(b.getStaticResources().getListenersList()).extracting(l -> l.getName()).containsExactly("listener_0");
    assertThat(b.getStaticResources().getClustersList()).extracting(c -> c.getName()).containsExactly("example_proxy_cluster");
    assertThat(b.getDynamicResources().getAdsAddress()).isEmpty();

    java.nio.file.Files.writeString(cds, "resources:\n- {\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: c, lb_polcy: RANDOM}\n");
    assertThatThrownBy(() -> BootstrapLoader.fromString(yaml))
        .hasMessage(cds + ": resources[0].lb_polcy: unknown field (did you mean \"lb_policy\"?)");
  }

  @Test
  void perRouteFilterConfigWrapperIsUnwrapped() throws Exception {
    String vh = """
        - name: v
          domains: ['*']
          routes:
          - match: {prefix: /}
            route: {cluster: c}
            typed_per_filter_config:
              envoy.filters.http.fault:
                "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                config:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  abort: {http_status: 503, percentage: {numerator: 100}}
        """;
    Bootstrap b = loadAndCompile(hcm(ROUTER, vh));
    var cfg = firstHcm(b).getRouteConfig().getVirtualHosts(0).getRoutes(0).getTypedPerFilterConfigMap()
        .get("envoy.filters.http.fault");
    assertThat(cfg.getFieldsMap()).containsOnlyKeys("abort");
  }
}
