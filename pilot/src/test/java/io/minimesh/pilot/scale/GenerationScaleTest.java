package io.minimesh.pilot.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.pilot.config.MeshSnapshot;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.xds.ConfigGenerator;
import io.minimesh.pilot.xds.Proxy;
import io.minimesh.pilot.xds.ProxyResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A measurement, not a test: times building the push context and generating one sidecar's and one
 * gateway's config for the 1000-service scenario-5 mesh. Run with
 * {@code -Dtest=GenerationScaleTest -Dpilot.scale=true}; results go to the test's output file.
 */
@EnabledIfSystemProperty(named = "pilot.scale", matches = "true")
class GenerationScaleTest {
  @Test
  void generate1000Services() {
    int services = Integer.getInteger("pilot.scale.services", 1000);
    int rounds = Integer.getInteger("pilot.scale.rounds", 3);
    MeshSnapshot snap = ScaleMesh.snapshot(services, null);
    Proxy sidecar = Proxy.fromNode(ScaleMesh.sidecar(7, 0));
    Proxy gateway = Proxy.fromNode(ScaleMesh.gateway(0));
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      PushContext ctx = PushContext.build(snap);
      long t1 = System.nanoTime();
      ProxyResources sc = ConfigGenerator.generate(ctx, sidecar);
      long t2 = System.nanoTime();
      ProxyResources gw = ConfigGenerator.generate(ctx, gateway);
      long t3 = System.nanoTime();
      // The rest of bench's 200 proxies: 20 sidecar workloads and 10 gateway replicas (distinct IPs).
      for (int w = 0; w < 20; w++) ConfigGenerator.generate(ctx, Proxy.fromNode(ScaleMesh.sidecar(w, 0)));
      for (int g = 0; g < 10; g++) ConfigGenerator.generate(ctx, Proxy.fromNode(ScaleMesh.gateway(g)));
      long t4 = System.nanoTime();
      System.out.printf("round %d: %d services: context %d ms, sidecar %d ms (%d clusters, %d endpoints), gateway %d ms (%d clusters),"
          + " the other 29 distinct proxies %d ms%n",
          r, services, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, sc.of(TypeUrls.CLUSTER).size(), sc.of(TypeUrls.ENDPOINT).size(),
          (t3 - t2) / 1_000_000, gw.of(TypeUrls.CLUSTER).size(), (t4 - t3) / 1_000_000);
      assertThat(sc.of(TypeUrls.CLUSTER)).isNotEmpty();
    }
  }
}
