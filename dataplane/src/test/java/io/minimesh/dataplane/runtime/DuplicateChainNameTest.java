package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.listener.ConnectionInfo;
import io.minimesh.dataplane.listener.ListenerChain;
import io.minimesh.dataplane.runtime.internal.Compiler;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Connections look their chain up again by key when they connect upstream: two chains with the same
 * name (pilot once named every passthrough chain of a VirtualService alike) must keep their own
 * tcp_proxy, or every SNI reaches the first chain's cluster.
 */
class DuplicateChainNameTest {
  static final String YAML = """
      static_resources:
        listeners:
        - name: l
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          listener_filters: [{name: envoy.filters.listener.tls_inspector}]
          filter_chains:
          - name: default/passthrough
            filter_chain_match: {server_names: [p1.example.com], transport_protocol: tls}
            filters:
            - name: envoy.filters.network.tcp_proxy
              tcp_proxy: {stat_prefix: p1, cluster: c1}
          - name: default/passthrough
            filter_chain_match: {server_names: [p2.example.com], transport_protocol: tls}
            filters:
            - name: envoy.filters.network.tcp_proxy
              tcp_proxy: {stat_prefix: p2, cluster: c2}
        clusters:
        - name: c1
          type: STATIC
          load_assignment: {cluster_name: c1, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}}]}]}
        - name: c2
          type: STATIC
          load_assignment: {cluster_name: c2, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 2}}}}]}]}
      """;

  @Test
  void eachSniKeepsItsOwnClusterWhenChainNamesRepeat() throws Exception {
    RuntimeState st = new Compiler(new StatsRegistry(), 1, new ConcurrentHashMap<>())
        .compile(ConfigSnapshot.fromBootstrap(BootstrapLoader.fromString(YAML), Instant.EPOCH));
    RuntimeState.ListenerRuntime l = st.listeners.get("l");
    InetSocketAddress dst = new InetSocketAddress("127.0.0.1", 443);
    for (String sni : List.of("p1.example.com", "p2.example.com")) {
      ListenerChain selected = l.chains().select(new ConnectionInfo(dst, null, sni, List.of(), "tls"));
      ListenerChain again = l.chain(selected.key());
      assertThat(again.tcp().pickCluster(0)).as(sni).isEqualTo(sni.startsWith("p1") ? "c1" : "c2");
    }
  }
}
