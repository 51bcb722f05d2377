package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sidecars: TLS service ports share one listener with a filter chain per SNI; VirtualService tls[] routes pick destinations. */
class SidecarTlsRoutesTest {
  private static final String YAML = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: external, namespace: default}
      spec:
        hosts: [api.example.com, www.example.org]
        location: MESH_EXTERNAL
        resolution: DNS
        ports: [{number: 443, name: tls, protocol: TLS}]
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: api-v2, namespace: default}
      spec:
        hosts: [api-v2.example.com]
        location: MESH_EXTERNAL
        resolution: DNS
        ports: [{number: 443, name: tls, protocol: TLS}]
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: api, namespace: default}
      spec:
        hosts: [api.example.com]
        tls:
        - match: [{port: 443, sniHosts: [api.example.com]}]
          route:
          - destination: {host: api.example.com, port: {number: 443}}
            weight: 90
          - destination: {host: api-v2.example.com, port: {number: 443}}
            weight: 10
      """;

  @Test
  void tlsPortsRouteBySni() {
    PushContext ctx = PushContext.build(TestData.snapshot(YAML));
    assertThat(ctx.messages()).isEmpty();
    ProxyResources r = ConfigGenerator.generate(ctx, TestData.sidecar("client", "default", "10.0.0.5", Map.of("app", "client")));
    Listener l = (Listener) r.of(TypeUrls.LISTENER).get("0.0.0.0_443").message();
    assertThat(l.getListenerFiltersList()).contains("tls_inspector");
    Map<String, String> bySni = new java.util.TreeMap<>();
    for (var fc : l.getFilterChainsList()) {
      var t = fc.getFilters(0).getTcpProxy();
      String dest = t.hasWeightedClusters()
          ? t.getWeightedClusters().getClustersList().stream().map(c -> c.getName() + "=" + c.getWeight()).toList().toString()
          : t.getCluster();
      bySni.putIfAbsent(fc.getFilterChainMatch().getServerNames(0), dest);
    }
    assertThat(bySni).containsExactlyInAnyOrderEntriesOf(Map.of(
        "api.example.com", "[outbound|443||api.example.com=90, outbound|443||api-v2.example.com=10]",
        "api-v2.example.com", "outbound|443||api-v2.example.com",
        "www.example.org", "outbound|443||www.example.org"));
  }
}
