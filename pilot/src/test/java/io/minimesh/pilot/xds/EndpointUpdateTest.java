package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.scale.ScaleMesh;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Endpoint-only pushes derive a proxy's config from its previous one; the result is what full generation gives. */
class EndpointUpdateTest {
  private static final String MOVED = "10.200.1.101";

  private static PushContext mesh(String v1Override) {
    return PushContext.build(ScaleMesh.snapshot(12, v1Override));
  }

  private static void assertSameConfig(ProxyResources a, ProxyResources b, String what) {
    for (String type : TypeUrls.PUSH_ORDER) {
      assertThat(a.version(type)).as(what + " " + type).isEqualTo(b.version(type));
      Map<String, String> ha = new java.util.TreeMap<>();
      a.of(type).forEach((n, r) -> ha.put(n, r.hash()));
      Map<String, String> hb = new java.util.TreeMap<>();
      b.of(type).forEach((n, r) -> hb.put(n, r.hash()));
      assertThat(ha).as(what + " " + type).isEqualTo(hb);
    }
  }

  @Test
  void movedWorkloadRebuildsOnlyItsAssignmentsAndMatchesFullGeneration() {
    PushContext prev = mesh(null);
    PushContext next = mesh(MOVED);
    EndpointUpdate u = EndpointUpdate.between(prev, next);
    assertThat(u).isNotNull();
    assertThat(u.changedHosts()).containsExactly("svc-0.default.svc.cluster.local");
    for (var node : java.util.List.of(ScaleMesh.sidecar(5, 0), ScaleMesh.gateway(0))) {
      Proxy p = Proxy.fromNode(node);
      ProxyResources before = ConfigGenerator.generate(prev, p);
      ProxyResources derived = u.apply(p, before);
      assertSameConfig(derived, ConfigGenerator.generate(mesh(MOVED), p), node.getId());
      // Derived, not translated again: clusters, listeners and routes are the previous objects.
      for (String type : java.util.List.of(TypeUrls.CLUSTER, TypeUrls.LISTENER, TypeUrls.ROUTE)) {
        before.of(type).forEach((n, r) -> assertThat(derived.of(type).get(n)).as(n).isSameAs(r));
      }
      assertThat(derived.version(TypeUrls.ENDPOINT)).isNotEqualTo(before.version(TypeUrls.ENDPOINT));
      // The new context answers later connections of the same proxy with the derived config.
      assertThat(ConfigGenerator.generate(next, p)).isSameAs(derived);
    }
  }

  @Test
  void sidecarOfTheMovedWorkloadGetsWhatFullGenerationGives() {
    PushContext prev = mesh(null);
    EndpointUpdate u = EndpointUpdate.between(prev, mesh(MOVED));
    // Service 0's own sidecar: the instance is its own workload, so its inbound side may change.
    Proxy own = Proxy.fromNode(ScaleMesh.sidecar(0, 0));
    ProxyResources before = ConfigGenerator.generate(prev, own);
    ProxyResources derived = u.apply(own, before);
    ProxyResources full = ConfigGenerator.generate(mesh(MOVED), own);
    assertSameConfig(derived, full, "own sidecar");
  }

  @Test
  void configChangeIsNotEndpointOnly() {
    PushContext a = PushContext.build(TestData.snapshot(ScaleMesh.yaml(3, null)));
    PushContext b = PushContext.build(TestData.snapshot(ScaleMesh.yaml(3, null).replace("\"initial\"", "\"second\"")));
    assertThat(EndpointUpdate.between(a, b)).isNull();
    assertThat(EndpointUpdate.between(a, PushContext.build(TestData.snapshot(ScaleMesh.yaml(3, null))))).isNotNull()
        .satisfies(u -> assertThat(u.changedHosts()).isEmpty());
  }
}
