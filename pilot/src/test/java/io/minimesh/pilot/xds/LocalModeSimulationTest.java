package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.xds.RouteSimulator.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Istio's Sidecar with captureMode NONE (testdata/local: the layout of {@code meshctl demo --full}): the
 * proxy binds its ingress and egress listeners itself, and the egress one routes by Host.
 */
class LocalModeSimulationTest {
  static final PushContext CTX = TestData.context("local");
  static final String V1 = "outbound|80|v1|catalog.demo.svc.cluster.local";
  static final String V2 = "outbound|80|v2|catalog.demo.svc.cluster.local";
  static final String SPLIT = "weighted:" + V1 + "=80," + V2 + "=20";

  static ProxyResources webapp() {
    return ConfigGenerator.generate(CTX, TestData.localSidecar("webapp", "demo", "127.0.0.10", Map.of("app", "webapp", "version", "v1")));
  }

  static ProxyResources catalogV1() {
    return ConfigGenerator.generate(CTX, TestData.localSidecar("catalog-v1", "demo", "127.0.0.11", Map.of("app", "catalog", "version", "v1")));
  }

  static Listener listener(ProxyResources r, String name) {
    var res = r.of(TypeUrls.LISTENER).get(name);
    assertThat(res).as("listener " + name + " in " + r.of(TypeUrls.LISTENER).keySet()).isNotNull();
    return (Listener) res.message();
  }

  static RouteConfiguration rds(ProxyResources r, String name) {
    var res = r.of(TypeUrls.ROUTE).get(name);
    assertThat(res).as("route configuration " + name + " in " + r.of(TypeUrls.ROUTE).keySet()).isNotNull();
    return (RouteConfiguration) res.message();
  }

  static String endpointOf(Cluster c) {
    var a = c.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
    return a.getAddress() + ":" + a.getPortValue();
  }

  @Test
  void captureModeNoneBindsOnlyExplicitListenersOnTheWorkloadAddress() {
    ProxyResources r = webapp();
    assertThat(r.of(TypeUrls.LISTENER)).containsOnlyKeys("127.0.0.10_15001", "127.0.0.10_9080", "127.0.0.10_9090");
    for (var res : r.of(TypeUrls.LISTENER).values()) {
      Listener l = (Listener) res.message();
      assertThat(l.getUseOriginalDst()).as(l.getName()).isFalse();
      assertThat(l.hasBindToPort() && !l.getBindToPort()).as(l.getName() + " binds its port").isFalse();
    }
    assertThat(listener(r, "127.0.0.10_9080").getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.10");
    // Unbound ingress entries bind the proxy's own address, so workloads on one machine never clash.
    assertThat(listener(r, "127.0.0.10_9090").getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.10");
    assertThat(listener(r, "127.0.0.10_9090").getFilterChains(0).getFilters(0).getTcpProxy().getCluster()).isEqualTo("inbound|9090||");
  }

  @Test
  void ingressForwardsToTheDefaultEndpoint() {
    ProxyResources r = webapp();
    var hcm = listener(r, "127.0.0.10_9080").getFilterChains(0).getFilters(0).getHttpConnectionManager();
    assertThat(RouteSimulator.route(hcm.getRouteConfig(), Request.get("anything", "/headers"))).isEqualTo("inbound|9080||");
    Cluster in = (Cluster) r.of(TypeUrls.CLUSTER).get("inbound|9080||").message();
    assertThat(in.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(endpointOf(in)).as("0.0.0.0 means the workload's address").isEqualTo("127.0.0.10:8080");
    assertThat(endpointOf((Cluster) r.of(TypeUrls.CLUSTER).get("inbound|9090||").message())).isEqualTo("127.0.0.1:7070");
  }

  @Test
  void egressListenerRoutesByHostWithTheVirtualService() {
    ProxyResources r = webapp();
    var hcm = listener(r, "127.0.0.10_15001").getFilterChains(0).getFilters(0).getHttpConnectionManager();
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("127.0.0.10:15001");
    RouteConfiguration rc = rds(r, "127.0.0.10:15001");
    assertThat(RouteSimulator.route(rc, Request.get("catalog.demo.svc.cluster.local", "/headers"))).isEqualTo(SPLIT);
    assertThat(RouteSimulator.route(rc, Request.get("catalog.demo.svc.cluster.local:80", "/headers"))).isEqualTo(SPLIT);
    assertThat(RouteSimulator.route(rc, Request.get("catalog", "/headers"))).isEqualTo(SPLIT);
    assertThat(RouteSimulator.route(rc, Request.get("catalog.demo:80", "/v2/x"))).isEqualTo(V2);
    assertThat(RouteSimulator.matchedRoute(rc, Request.get("catalog", "/x")).getRoute().getTimeout().getSeconds()).isEqualTo(2);
    // Another port of the service: its own virtual host.
    assertThat(RouteSimulator.route(rc, Request.get("catalog.demo.svc.cluster.local:8443", "/v2/x")))
        .isEqualTo("outbound|8443|v2|catalog.demo.svc.cluster.local");
    assertThat(RouteSimulator.route(rc, Request.get("webapp.demo.svc.cluster.local", "/"))).isEqualTo("outbound|80||webapp.demo.svc.cluster.local");
    // "./*" imports only the proxy's namespace.
    assertThat(RouteSimulator.route(rc, Request.get("billing.payments.svc.cluster.local", "/"))).isEqualTo("PassthroughCluster");
    assertThat(r.of(TypeUrls.CLUSTER)).containsKeys(V1, V2).doesNotContainKey("outbound|80||billing.payments.svc.cluster.local");
    assertThat(r.of(TypeUrls.ENDPOINT)).containsKeys(V1, V2);
  }

  @Test
  void namespaceDefaultSidecarBindsTheProxyAddressAndImportsEveryNamespace() {
    ProxyResources r = catalogV1();
    assertThat(r.of(TypeUrls.LISTENER)).containsOnlyKeys("127.0.0.11_15001", "127.0.0.11_9080");
    RouteConfiguration rc = rds(r, "127.0.0.11:15001");
    assertThat(RouteSimulator.route(rc, Request.get("billing.payments.svc.cluster.local", "/")))
        .isEqualTo("outbound|80||billing.payments.svc.cluster.local");
    assertThat(RouteSimulator.route(rc, Request.get("billing", "/"))).as("short names only in the own namespace").isEqualTo("PassthroughCluster");
    assertThat(endpointOf((Cluster) r.of(TypeUrls.CLUSTER).get("inbound|9080||").message())).isEqualTo("127.0.0.11:8080");
  }

  @Test
  void proxiesOnOneMachineNeverBindTheSameAddressAndPort() {
    List<String> bound = new ArrayList<>();
    for (ProxyResources r : List.of(webapp(), catalogV1(),
        ConfigGenerator.generate(CTX, TestData.localSidecar("catalog-v2", "demo", "127.0.0.12", Map.of("app", "catalog", "version", "v2"))))) {
      for (var res : r.of(TypeUrls.LISTENER).values()) {
        var a = ((Listener) res.message()).getAddress().getSocketAddress();
        assertThat(a.getAddress()).isNotEqualTo("0.0.0.0");
        bound.add(a.getAddress() + ":" + a.getPortValue());
      }
    }
    assertThat(bound).doesNotHaveDuplicates().hasSize(7);
  }

  @Test
  void withoutInterceptionEvenPortsWithoutCaptureModeGetTheirOwnListener() {
    String yaml = """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: demo}
        spec:
          ingress:
          - port: {number: 9080, protocol: HTTP, name: http}
            defaultEndpoint: 127.0.0.1:8080
          egress:
          - port: {number: 15001, protocol: HTTP}
            hosts: ["./*"]
          - hosts: ["istio-system/*"]
        """;
    PushContext ctx = PushContext.build(TestData.snapshot(yaml));
    Node.Builder n = Node.newBuilder().setId("a.demo").setNamespace("demo").setProxyType(ProxyType.SIDECAR).addIpAddresses("10.1.1.1");
    ProxyResources captured = ConfigGenerator.generate(ctx, Proxy.fromNode(n.build()));
    assertThat(captured.of(TypeUrls.LISTENER)).containsOnlyKeys("virtualOutbound", "virtualInbound");
    ProxyResources none = ConfigGenerator.generate(ctx, Proxy.fromNode(n.putMetadata("INTERCEPTION_MODE", "NONE").build()));
    assertThat(none.of(TypeUrls.LISTENER)).containsOnlyKeys("127.0.0.1_15001", "10.1.1.1_9080");
  }

  @Test
  void unixDomainSocketsAndBadEndpointsAreRejected() {
    String yaml = """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: bad, namespace: demo}
        spec:
          ingress:
          - port: {number: 9080, protocol: HTTP, name: http}
            defaultEndpoint: unix:///var/run/app.sock
            captureMode: NONE
          - port: {number: 9081, protocol: HTTP, name: http}
            defaultEndpoint: localhost
            captureMode: SOMETIMES
          egress:
          - port: {number: 15001, protocol: HTTP}
            bind: unix:///var/run/egress.sock
            hosts: ["./*"]
        """;
    List<String> msgs = PushContext.build(TestData.snapshot(yaml)).messages().stream().map(Object::toString).toList();
    assertThat(msgs)
        .anySatisfy(m -> assertThat(m).startsWith("Error [MM0201] (Sidecar demo/bad test0.yaml:1) spec.ingress[0].defaultEndpoint"))
        .anySatisfy(m -> assertThat(m).contains("spec.ingress[1].defaultEndpoint").contains("\"localhost\""))
        .anySatisfy(m -> assertThat(m).contains("spec.ingress[1].captureMode").contains("unknown capture mode \"SOMETIMES\""))
        .anySatisfy(m -> assertThat(m).contains("spec.egress[0].bind").contains("unix domain sockets are not supported"));
  }
}
