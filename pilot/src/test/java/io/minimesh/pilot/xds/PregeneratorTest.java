package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

class PregeneratorTest {
  @Test
  void parallelGenerationYieldsWhatTheSequentialOneDoes() {
    Proxy gw = TestData.gateway();
    Proxy pp = TestData.sidecar("productpage-v1", "default", "10.0.0.10", Map.of("app", "productpage", "version", "v1"));
    Proxy rv = TestData.sidecar("reviews-v1", "default", "10.0.0.21", Map.of("app", "reviews", "version", "v1"));
    PushContext parallel = TestData.context("bookinfo");
    ForkJoinPool pool = new ForkJoinPool(3);
    try {
      new Pregenerator(pool).generateAll(parallel, List.of(gw, pp, rv, pp));
    } finally {
      pool.shutdownNow();
    }
    PushContext sequential = TestData.context("bookinfo");
    for (Proxy p : List.of(gw, pp, rv)) {
      ProxyResources a = ConfigGenerator.generate(parallel, p);
      ProxyResources b = ConfigGenerator.generate(sequential, p);
      for (String type : TypeUrls.PUSH_ORDER) {
        assertThat(a.version(type)).as(p.id() + " " + type).isEqualTo(b.version(type));
        assertThat(a.of(type).keySet()).isEqualTo(b.of(type).keySet());
      }
    }
  }

  @Test
  void gatewayReplicasShareOneConfigWhateverTheirAddressesButSidecarsDoNot() {
    PushContext ctx = PushContext.build(io.minimesh.pilot.scale.ScaleMesh.snapshot(3, null));
    Proxy gw1 = Proxy.fromNode(io.minimesh.pilot.scale.ScaleMesh.gateway(1));
    Proxy gw2 = Proxy.fromNode(io.minimesh.pilot.scale.ScaleMesh.gateway(2));
    assertThat(gw1.ips()).isNotEqualTo(gw2.ips());
    assertThat(ConfigGenerator.generate(ctx, gw2)).isSameAs(ConfigGenerator.generate(ctx, gw1));
    // A sidecar's address decides its inbound side.
    Proxy sc = Proxy.fromNode(io.minimesh.pilot.scale.ScaleMesh.sidecar(1, 0));
    Proxy moved = Proxy.fromNode(io.minimesh.pilot.scale.ScaleMesh.sidecar(1, 0).toBuilder().setIpAddresses(0, "10.9.9.9").build());
    assertThat(ConfigGenerator.generate(ctx, moved)).isNotSameAs(ConfigGenerator.generate(ctx, sc));
  }
}
