package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Workloads share a sidecar route configuration unless a VirtualService matches on sourceLabels. */
class SidecarRouteSharingTest {
  private static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: reviews, namespace: default}
      spec:
        hosts: [reviews.default.svc.cluster.local]
        location: MESH_INTERNAL
        resolution: STATIC
        ports: [{number: 9080, name: http, protocol: HTTP}]
        endpoints:
        - {address: 10.0.0.21, labels: {app: reviews, version: v1}}
        - {address: 10.0.0.22, labels: {app: reviews, version: v2}}
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: reviews, namespace: default}
      spec:
        host: reviews.default.svc.cluster.local
        subsets:
        - {name: v1, labels: {version: v1}}
        - {name: v2, labels: {version: v2}}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: reviews, namespace: default}
      spec:
        hosts: [reviews.default.svc.cluster.local]
        http:
        - MATCH
          route:
          - destination: {host: reviews.default.svc.cluster.local, subset: v2}
        - route:
          - destination: {host: reviews.default.svc.cluster.local, subset: v1}
      """;

  private static final Proxy PRODUCTPAGE = TestData.sidecar("productpage-v1", "default", "10.0.0.10", Map.of("app", "productpage"));
  private static final Proxy RATINGS = TestData.sidecar("ratings-v1", "default", "10.0.0.30", Map.of("app", "ratings"));

  private static RouteConfiguration route9080(PushContext ctx, Proxy p) {
    return (RouteConfiguration) ConfigGenerator.generate(ctx, p).of(TypeUrls.ROUTE).get("9080").message();
  }

  private static String firstCluster(RouteConfiguration rc) {
    return rc.getVirtualHostsList().stream().filter(v -> v.getName().startsWith("reviews.")).findFirst().orElseThrow()
        .getRoutes(0).getRoute().getCluster();
  }

  @Test
  void sourceLabelsKeepRoutesPerWorkload() {
    PushContext ctx = PushContext.build(TestData.snapshot(MESH.replace("MATCH", "match: [{sourceLabels: {app: productpage}}]")));
    assertThat(firstCluster(route9080(ctx, PRODUCTPAGE))).isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
    assertThat(firstCluster(route9080(ctx, RATINGS))).isEqualTo("outbound|9080|v1|reviews.default.svc.cluster.local");
  }

  @Test
  void withoutSourceLabelsWorkloadsShareOneRouteConfiguration() {
    PushContext ctx = PushContext.build(TestData.snapshot(MESH.replace("MATCH", "match: [{uri: {prefix: /v2}}]")));
    assertThat(route9080(ctx, PRODUCTPAGE)).isSameAs(route9080(ctx, RATINGS));
  }
}
