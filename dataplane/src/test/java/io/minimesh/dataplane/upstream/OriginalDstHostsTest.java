package io.minimesh.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.v1.BindConfig;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.OriginalDstLbConfig;
import io.minimesh.api.xds.v1.SocketAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class OriginalDstHostsTest {
  private static final InetSocketAddress DST = new InetSocketAddress("10.44.0.3", 8000);

  @Test
  void onlyOriginalDstClustersHaveThem() {
    assertThat(OriginalDstHosts.of(Cluster.newBuilder().setName("c").build())).isNull();
    assertThat(OriginalDstHosts.of(Cluster.newBuilder().setType(Cluster.DiscoveryType.ORIGINAL_DST).build())).isNotNull();
  }

  @Test
  void picksTheConnectionsOriginalDestinationAndReusesTheHost() {
    OriginalDstHosts h = OriginalDstHosts.of(Cluster.newBuilder().setType(Cluster.DiscoveryType.ORIGINAL_DST).build());
    assertThat(h.header()).as("no header unless use_http_header").isNull();
    HostImpl first = h.pick(DST, null);
    assertThat(first.address()).isEqualTo(DST);
    assertThat(first.healthy()).isTrue();
    assertThat(h.pick(new InetSocketAddress("10.44.0.3", 8000), null)).isSameAs(first);
    assertThat(h.pick(null, null)).as("nothing redirected: no host").isNull();
  }

  @Test
  void theHeaderWinsWhenConfiguredAndValid() {
    OriginalDstHosts h = OriginalDstHosts.of(Cluster.newBuilder().setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setOriginalDstLbConfig(OriginalDstLbConfig.newBuilder().setUseHttpHeader(true)).build());
    assertThat(h.header()).isEqualTo("x-envoy-original-dst-host");
    assertThat(h.pick(DST, "127.0.0.1:9000").address()).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
    assertThat(h.pick(DST, "[::1]:9000").address()).isEqualTo(new InetSocketAddress("::1", 9000));
    assertThat(h.pick(DST, "example.com:80").address()).as("host names are not resolved").isEqualTo(DST);
    assertThat(h.pick(DST, "10.0.0.1").address()).as("port required").isEqualTo(DST);
    assertThat(h.pick(DST, "10.0.0.1:99999").address()).isEqualTo(DST);

    OriginalDstHosts custom = OriginalDstHosts.of(Cluster.newBuilder().setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setOriginalDstLbConfig(OriginalDstLbConfig.newBuilder().setUseHttpHeader(true).setHttpHeaderName("X-Target")).build());
    assertThat(custom.header()).isEqualTo("x-target");
  }

  @Test
  void bindAddressFromUpstreamBindConfig() {
    assertThat(OriginalDstHosts.bindAddress(Cluster.getDefaultInstance())).isNull();
    Cluster c = Cluster.newBuilder().setUpstreamBindConfig(BindConfig.newBuilder()
        .setSourceAddress(SocketAddress.newBuilder().setAddress("127.0.0.6"))).build();
    assertThat(OriginalDstHosts.bindAddress(c)).isEqualTo(new InetSocketAddress("127.0.0.6", 0));
  }
}
