package io.minimesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The production wiring: bootstrap YAML → XdsClient.create → plaintext gRPC over a real socket. */
class XdsClientNettyTest {
  @Test
  void connectsToTheAdsAddressFromAnEnvoyBootstrapAndAppliesWhatItGets() throws Exception {
    FakeAds ads = new FakeAds("unused");
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(ads).build().start();
    int port = server.getPort();
    Bootstrap bootstrap = BootstrapLoader.fromString("""
        node: {id: web-1.shop, cluster: web}
        dynamic_resources:
          ads_config:
            api_type: GRPC
            transport_api_version: V3
            grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
          cds_config: {ads: {}, resource_api_version: V3}
          lds_config: {ads: {}, resource_api_version: V3}
        static_resources:
          clusters:
          - name: xds_cluster
            type: STATIC
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(port));
    assertThat(bootstrap.getDynamicResources().getAdsAddress()).isEqualTo("127.0.0.1:" + port);

    FakeApplier applier = new FakeApplier(ConfigSnapshot.fromBootstrap(bootstrap, Instant.EPOCH));
    StatsRegistry stats = new StatsRegistry();
    XdsClient client = XdsClient.create(bootstrap, applier, stats);
    try {
      client.start();
      // The first call loads gRPC/Netty and opens a socket: allow for a slow, shared machine.
      DiscoveryRequest first = ads.next(Duration.ofSeconds(30));
      assertThat(first.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
      assertThat(first.getNode().getId()).isEqualTo("web-1.shop");
      assertThat(first.getNode().getNamespace()).isEqualTo("shop");
      assertThat(first.getNode().getIpAddressesList()).isNotEmpty();
      assertThat(ads.next().getTypeUrl()).isEqualTo(TypeUrls.LISTENER);

      ads.send(TypeUrls.CLUSTER, "v1", "n1", XdsClientTest.staticCluster("reviews"));
      assertThat(ads.next().getVersionInfo()).isEqualTo("v1");
      assertThat(applier.current().clusters()).containsKeys("reviews", "xds_cluster");
      await().atMost(Duration.ofSeconds(5)).until(() -> client.status().connected());
      assertThat(stats.gauge("control_plane.connected_state").get()).isEqualTo(1);
    } finally {
      client.close();
      server.shutdownNow().awaitTermination();
    }
  }
}
