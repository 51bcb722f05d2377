package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.xds.RouteSimulator.Request;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** "This request reaches that cluster", evaluated on the generated route configurations. */
class SimulationTest {
  private static RouteConfiguration rds(ProxyResources r, String name) {
    var res = r.of(TypeUrls.ROUTE).get(name);
    assertThat(res).as("route configuration " + name + " in " + r.of(TypeUrls.ROUTE).keySet()).isNotNull();
    return (RouteConfiguration) res.message();
  }

  @Test
  void webappGatewayRoutesItsHostToHttpbinAndOthersTo404() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("webapp"), TestData.gateway(Map.of("port_map", "80:8080")));
    Listener l = (Listener) r.of(TypeUrls.LISTENER).get("0.0.0.0_8080").message();
    assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
    RouteConfiguration rc = rds(r, "http.8080");
    assertThat(RouteSimulator.route(rc, Request.get("webapp.example.com", "/headers")))
        .isEqualTo("outbound|8000||httpbin.default.svc.cluster.local");
    assertThat(RouteSimulator.route(rc, Request.get("webapp.example.com:80", "/headers")))
        .isEqualTo("outbound|8000||httpbin.default.svc.cluster.local");
    assertThat(RouteSimulator.route(rc, Request.get("other.example.com", "/"))).isEqualTo("404");
    assertThat(r.of(TypeUrls.CLUSTER)).containsKey("outbound|8000||httpbin.default.svc.cluster.local");
  }

  @Test
  void gatewayWithoutPortMapBindsTheServerPort() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("webapp"), TestData.gateway());
    assertThat(r.of(TypeUrls.LISTENER)).containsOnlyKeys("0.0.0.0_80");
    assertThat(r.of(TypeUrls.ROUTE)).containsOnlyKeys("http.80");
  }

  @Test
  void bookinfoGatewayRoutesPathsToProductpage() {
    RouteConfiguration rc = rds(ConfigGenerator.generate(TestData.context("bookinfo"), TestData.gateway()), "http.8080");
    String pp = "outbound|9080||productpage.default.svc.cluster.local";
    assertThat(RouteSimulator.route(rc, Request.get("anything.example", "/productpage"))).isEqualTo(pp);
    assertThat(RouteSimulator.route(rc, Request.get("1.2.3.4:8080", "/static/css/a.css"))).isEqualTo(pp);
    assertThat(RouteSimulator.route(rc, Request.get("x", "/api/v1/products/1"))).isEqualTo(pp);
    assertThat(RouteSimulator.route(rc, Request.get("x", "/productpage/extra"))).isEqualTo("404");
    assertThat(RouteSimulator.route(rc, Request.get("x", "/admin"))).isEqualTo("404");
  }

  @Test
  void gatewayReceivesOnlyTheClustersItsRoutesReference() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("bookinfo"), TestData.gateway());
    assertThat(r.of(TypeUrls.CLUSTER)).containsOnlyKeys("BlackHoleCluster", "outbound|9080||productpage.default.svc.cluster.local");
    assertThat(r.of(TypeUrls.ENDPOINT)).containsOnlyKeys("outbound|9080||productpage.default.svc.cluster.local");
  }

  @Test
  void sidecarRoutesReviewsByHeaderAndWeights() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("bookinfo"),
        TestData.sidecar("productpage-v1", "default", "10.0.0.10", Map.of("app", "productpage")));
    RouteConfiguration rc = rds(r, "9080");
    assertThat(RouteSimulator.route(rc, Request.get("reviews:9080", "/reviews/0").with("end-user", "jason")))
        .isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
    assertThat(RouteSimulator.route(rc, Request.get("reviews.default.svc.cluster.local", "/reviews/0")))
        .isEqualTo("weighted:outbound|9080|v1|reviews.default.svc.cluster.local=90,outbound|9080|v3|reviews.default.svc.cluster.local=10");
    assertThat(RouteSimulator.route(rc, Request.get("10.96.0.12:9080", "/ratings"))).isEqualTo("outbound|9080||ratings.default.svc.cluster.local");
    assertThat(RouteSimulator.route(rc, Request.get("unknown.example.com", "/"))).isEqualTo("PassthroughCluster");
    // Subset clusters are selected by endpoint labels.
    var cla = (io.minimesh.api.xds.v1.ClusterLoadAssignment) r.of(TypeUrls.ENDPOINT).get("outbound|9080|v2|reviews.default.svc.cluster.local").message();
    assertThat(cla.getEndpointsList()).flatExtracting(e -> e.getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress()).containsExactly("10.0.0.22");
    // The inbound side forwards the proxy's own service port to the application.
    Cluster inbound = (Cluster) r.of(TypeUrls.CLUSTER).get("inbound|9080||").message();
    assertThat(inbound.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getAddress())
        .isEqualTo("127.0.0.1");
  }

  @Test
  void httpbinRoutesCoverEveryMatchAndAction() {
    PushContext ctx = TestData.context("httpbin");
    RouteConfiguration rc = rds(ConfigGenerator.generate(ctx, TestData.gateway()), "http.80");
    String httpbin = "outbound|8000||httpbin.default.svc.cluster.local";
    var delay = RouteSimulator.matchedRoute(rc, Request.get("httpbin.example.com", "/delay/3"));
    assertThat(delay.getName()).isEqualTo("delayed");
    assertThat(delay.getRoute().getTimeout().getSeconds()).isEqualTo(1);
    assertThat(delay.getRoute().getRetryPolicy().getNumRetries()).isEqualTo(3);
    assertThat(delay.getRoute().getRetryPolicy().getRetryOn()).isEqualTo("gateway-error,connect-failure,retriable-status-codes");
    assertThat(delay.getRoute().getRetryPolicy().getRetriableStatusCodesList()).containsExactly(503);
    assertThat(delay.getRoute().getRetryPolicy().getPerTryTimeout().getNanos()).isEqualTo(500_000_000);
    // method match: POST /delay falls through to the default route (no retries).
    var post = RouteSimulator.matchedRoute(rc, new Request("httpbin.example.com", "POST", "/delay/3", Map.of()));
    assertThat(post.getName()).isEqualTo("default");
    assertThat(post.getRoute().hasRetryPolicy()).isFalse();
    // regex + query parameter
    assertThat(RouteSimulator.matchedRoute(rc, Request.get("httpbin.example.com", "/status/503?debug=1")).getName()).isEqualTo("faulty");
    assertThat(RouteSimulator.matchedRoute(rc, Request.get("httpbin.example.com", "/status/503")).getName()).isEqualTo("default");
    var faulty = RouteSimulator.matchedRoute(rc, Request.get("httpbin.example.com", "/status/500?debug=1"));
    assertThat(faulty.getFault().getAbort().getHttpStatus()).isEqualTo(503);
    assertThat(faulty.getFault().getAbort().getPercentage().getValue()).isEqualTo(50.0);
    assertThat(faulty.getFault().getDelay().getFixedDelay().getSeconds()).isEqualTo(2);
    // headers prefix + withoutHeaders
    var canary = Request.get("httpbin.example.com", "/anything/x").with("x-canary", "yes-please");
    assertThat(RouteSimulator.matchedRoute(rc, canary).getName()).isEqualTo("mirrored");
    assertThat(RouteSimulator.matchedRoute(rc, canary.with("x-skip", "1")).getName()).isEqualTo("default");
    var mirrored = RouteSimulator.matchedRoute(rc, canary);
    assertThat(mirrored.getRoute().getPrefixRewrite()).isEqualTo("/get");
    assertThat(mirrored.getRoute().getHostRewriteLiteral()).isEqualTo("httpbin.internal");
    assertThat(mirrored.getRoute().getRequestMirrorPolicies(0).getCluster()).isEqualTo("outbound|8000||httpbin-mirror.default.svc.cluster.local");
    assertThat(mirrored.getRoute().getRequestMirrorPolicies(0).getRuntimeFraction().getValue()).isEqualTo(25.5);
    assertThat(mirrored.getRoute().getCors().getMaxAge()).isEqualTo("86400");
    assertThat(mirrored.getRoute().getHashPolicy(0).getHeader().getHeaderName()).isEqualTo("x-user");
    assertThat(mirrored.getRequestHeadersToRemoveList()).containsExactly("x-debug");
    assertThat(mirrored.getRequestHeadersToAddList()).extracting(h -> h.getHeader().getKey() + "=" + h.getHeader().getValue() + "/" + h.getAppend())
        .containsExactly("x-route=mirrored/false", "x-trace=on/true");
    // redirect (ignoreUriCase) and direct response
    assertThat(RouteSimulator.route(rc, Request.get("httpbin.example.com", "/OLD/page"))).isEqualTo("redirect:httpbin.example.com/new");
    assertThat(RouteSimulator.route(rc, Request.get("httpbin.example.com", "/teapot"))).isEqualTo("direct:418");
    assertThat(RouteSimulator.route(rc, Request.get("legacy.example.com", "/"))).isEqualTo(httpbin);
    assertThat(RouteSimulator.route(rc, Request.get("nothing.example.com", "/"))).isEqualTo("404");
  }

  @Test
  void destinationRulePolicyBecomesClusterSettings() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("httpbin"), TestData.gateway());
    Cluster c = (Cluster) r.of(TypeUrls.CLUSTER).get("outbound|8000||httpbin.default.svc.cluster.local").message();
    assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(c.getRingHashLbConfig().getMinimumRingSize()).isEqualTo(1024);
    assertThat(c.getCircuitBreakers().getThresholds(0).getMaxConnections()).isEqualTo(1);
    assertThat(c.getCircuitBreakers().getThresholds(0).getMaxPendingRequests()).isEqualTo(1);
    assertThat(c.getCircuitBreakers().getThresholds(0).getMaxRequests()).isEqualTo(10);
    assertThat(c.getCircuitBreakers().getThresholds(0).getMaxRetries()).isEqualTo(2);
    assertThat(c.getMaxRequestsPerConnection()).isEqualTo(5);
    assertThat(c.getConnectTimeout().getSeconds()).isEqualTo(2);
    assertThat(c.getOutlierDetection().getConsecutive5Xx()).isEqualTo(3);
    assertThat(c.getOutlierDetection().getConsecutiveGatewayFailure()).isEqualTo(2);
    assertThat(c.getOutlierDetection().getBaseEjectionTime().getSeconds()).isEqualTo(180);
    assertThat(c.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isEqualTo(30.0);
    // upstream TLS
    assertThat(c.getTransportSocket().getUpstreamTls().getSni()).isEqualTo("httpbin.internal");
    // DNS service: STRICT_DNS with the endpoints inline
    Cluster mirror = (Cluster) r.of(TypeUrls.CLUSTER).get("outbound|8000||httpbin-mirror.default.svc.cluster.local").message();
    assertThat(mirror.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(mirror.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(8001);
  }

  @Test
  void tcpRouteBecomesWeightedTcpProxy() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("tcp"), TestData.gateway());
    Listener l = (Listener) r.of(TypeUrls.LISTENER).get("0.0.0.0_31400").message();
    var tcp = l.getFilterChains(0).getFilters(0).getTcpProxy();
    assertThat(tcp.getWeightedClusters().getClustersList()).extracting(c -> c.getName() + "=" + c.getWeight())
        .containsExactly("outbound|9000|v1|tcp-echo.default.svc.cluster.local=80", "outbound|9000|v2|tcp-echo.default.svc.cluster.local=20");
    assertThat(r.of(TypeUrls.CLUSTER)).containsKeys("outbound|9000|v1|tcp-echo.default.svc.cluster.local", "outbound|9000|v2|tcp-echo.default.svc.cluster.local");
  }

  @Test
  void sidecarEgressLimitsWhatTheProxyReceivesAndRegistryOnlyBlocksTheRest() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("sidecar"), TestData.sidecar("web-1", "shop", "10.3.0.1", Map.of("app", "web")));
    assertThat(r.of(TypeUrls.CLUSTER).keySet()).noneMatch(n -> n.contains("other.other"));
    RouteConfiguration rc = rds(r, "80");
    assertThat(RouteSimulator.route(rc, Request.get("cart", "/v2/items"))).isEqualTo("outbound|80||cart.shop.svc.cluster.local");
    assertThat(RouteSimulator.matchedRoute(rc, Request.get("cart", "/v2/items")).getRoute().getTimeout().getSeconds()).isEqualTo(3);
    assertThat(RouteSimulator.route(rc, Request.get("other.other.svc.cluster.local", "/"))).isEqualTo("direct:502");
    Listener out = (Listener) r.of(TypeUrls.LISTENER).get("virtualOutbound").message();
    assertThat(out.getUseOriginalDst()).isTrue();
    assertThat(out.getDefaultFilterChain().getFilters(0).getTcpProxy().getCluster()).isEqualTo("BlackHoleCluster");
    // TCP port of a service with a VIP gets its own listener
    assertThat(r.of(TypeUrls.LISTENER)).containsKey("10.96.1.1_5432");
    // Inbound: the proxy's own service port 80 → targetPort 8080 on localhost
    Listener in = (Listener) r.of(TypeUrls.LISTENER).get("virtualInbound").message();
    assertThat(in.getFilterChainsList()).extracting(fc -> fc.getFilterChainMatch().getDestinationPort()).containsExactly(8080);
  }

  @Test
  void gatewayTlsModesBecomeFilterChainsAndSecrets() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("tls"), TestData.gateway());
    assertThat(r.of(TypeUrls.LISTENER)).containsOnlyKeys("0.0.0.0_80", "0.0.0.0_443", "0.0.0.0_8443", "0.0.0.0_9443", "0.0.0.0_15443");
    RouteConfiguration http = rds(r, "http.80");
    assertThat(http.getVirtualHosts(0).getRequireTls()).isEqualTo(io.minimesh.api.xds.v1.VirtualHost.TlsRequirementType.ALL);
    // httpsRedirect: 301 to https:// for the server's hosts
    var redirect = RouteSimulator.matchedRoute(http, Request.get("secure.example.com", "/a?b=c")).getRedirect();
    assertThat(redirect.getHttpsRedirect()).isTrue();
    assertThat(redirect.getResponseCode()).isEqualTo(io.minimesh.api.xds.v1.RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY);
    Listener https = (Listener) r.of(TypeUrls.LISTENER).get("0.0.0.0_443").message();
    assertThat(https.getFilterChainsList()).extracting(fc -> fc.getFilterChainMatch().getServerNames(0))
        .containsExactly("secure.example.com", "mtls.example.com", "shop.example.com");
    // each server its own certificate, versions and ciphers
    var shop = https.getFilterChains(2).getTransportSocket().getDownstreamTls().getCommonTlsContext();
    assertThat(shop.getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("kubernetes://shop-cert");
    assertThat(shop.getTlsParams().getTlsMaximumProtocolVersion()).isEqualTo(io.minimesh.api.xds.v1.TlsParameters.TlsProtocol.TLSv1_3);
    assertThat(shop.getTlsParams().getCipherSuitesList()).containsExactly("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256");
    assertThat(https.getFilterChains(0).getTransportSocket().getDownstreamTls().getCommonTlsContext().getTlsParams().getTlsMinimumProtocolVersion())
        .isEqualTo(io.minimesh.api.xds.v1.TlsParameters.TlsProtocol.TLSv1_2);
    var simple = https.getFilterChains(0).getTransportSocket().getDownstreamTls();
    assertThat(simple.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("kubernetes://secure-cert");
    assertThat(simple.getRequireClientCertificate()).isFalse();
    var mutual = https.getFilterChains(1).getTransportSocket().getDownstreamTls();
    assertThat(mutual.getRequireClientCertificate()).isTrue();
    assertThat(mutual.getCommonTlsContext().getValidationContextSdsSecretConfig().getName()).isEqualTo("kubernetes://mtls-cert-cacert");
    assertThat(r.of(TypeUrls.SECRET)).containsOnlyKeys("kubernetes://secure-cert", "kubernetes://mtls-cert", "kubernetes://mtls-cert-cacert",
        "kubernetes://shop-cert", "kubernetes://db-cert");
    // keys reach the proxy as PKCS#8 with their certificate
    var sec = ((io.minimesh.api.xds.v1.Secret) r.of(TypeUrls.SECRET).get("kubernetes://secure-cert").message()).getTlsCertificate();
    assertThat(sec.getPrivateKey().getInlineString()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(sec.getCertificateChain().getInlineString()).startsWith("-----BEGIN CERTIFICATE-----");
    // TLS terminated, then TCP routes (protocol TLS, mode SIMPLE)
    Listener db = (Listener) r.of(TypeUrls.LISTENER).get("0.0.0.0_9443").message();
    assertThat(db.getFilterChains(0).getFilterChainMatch().getServerNamesList()).containsExactly("db.example.com");
    assertThat(db.getFilterChains(0).getTransportSocket().getDownstreamTls().getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
        .isEqualTo("kubernetes://db-cert");
    assertThat(db.getFilterChains(0).getFilters(0).getTcpProxy().getCluster()).isEqualTo("outbound|8443||backend.default.svc.cluster.local");
    // AUTO_PASSTHROUGH: SNI names the cluster
    Listener auto = (Listener) r.of(TypeUrls.LISTENER).get("0.0.0.0_15443").message();
    assertThat(auto.getFilterChainsList()).extracting(fc -> fc.getFilterChainMatch().getServerNames(0) + "->" + fc.getFilters(0).getTcpProxy().getCluster())
        .contains("outbound_.8080_._.backend.default.svc.cluster.local->outbound|8080||backend.default.svc.cluster.local");
    String route = https.getFilterChains(0).getFilters(0).getHttpConnectionManager().getRds().getRouteConfigName();
    assertThat(RouteSimulator.route(rds(r, route), Request.get("secure.example.com", "/"))).isEqualTo("outbound|8080||backend.default.svc.cluster.local");
    Listener pass = (Listener) r.of(TypeUrls.LISTENER).get("0.0.0.0_8443").message();
    assertThat(pass.getListenerFiltersList()).contains("tls_inspector");
    assertThat(pass.getFilterChains(0).getFilterChainMatch().getServerNamesList()).containsExactly("passthrough.example.com");
    assertThat(pass.getFilterChains(0).getFilters(0).getTcpProxy().getCluster()).isEqualTo("outbound|8443||backend.default.svc.cluster.local");
  }

  @Test
  void delegateVirtualServiceRoutesAreMergedUnderTheRootMatch() {
    String yaml = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          selector: {istio: ingressgateway}
          servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: root}
        spec:
          hosts: [shop.example.com]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /cart}}]
            delegate: {name: cart-routes}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: cart-routes}
        spec:
          http:
          - match: [{uri: {prefix: /cart/v2}}]
            route: [{destination: {host: cart, port: {number: 80}}, weight: 100}]
          - route: [{destination: {host: cart, port: {number: 80}}}]
            timeout: 2s
        """;
    ProxyResources r = ConfigGenerator.generate(PushContext.build(TestData.snapshot(yaml)), TestData.gateway());
    RouteConfiguration rc = rds(r, "http.80");
    var v2 = RouteSimulator.matchedRoute(rc, Request.get("shop.example.com", "/cart/v2/x"));
    assertThat(v2.getMatch().getPrefix()).isEqualTo("/cart/v2");
    var v1 = RouteSimulator.matchedRoute(rc, Request.get("shop.example.com", "/cart/items"));
    assertThat(v1.getRoute().getTimeout().getSeconds()).isEqualTo(2);
    assertThat(v1.getMetadata().getFilterMetadataOrThrow("istio").getFieldsOrThrow("config").getStringValue()).endsWith("/virtual-service/cart-routes");
    assertThat(RouteSimulator.route(rc, Request.get("shop.example.com", "/other"))).isEqualTo("404");
  }

  @Test
  void localityFailoverOrdersPrioritiesFromTheProxysLocality() {
    String yaml = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: api}
        spec:
          hosts: [api.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 80, name: http}]
          endpoints:
          - {address: 10.0.1.1, locality: us-east/zone-a}
          - {address: 10.0.1.2, locality: us-east/zone-b}
          - {address: 10.0.1.3, locality: eu-west/zone-a}
          - {address: 10.0.1.4, locality: ap-south/zone-a}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: api}
        spec:
          host: api
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m}
            loadBalancer:
              localityLbSetting:
                failover: [{from: us-east, to: ap-south}]
        """;
    ProxyResources r = ConfigGenerator.generate(PushContext.build(TestData.snapshot(yaml)),
        TestData.sidecar("client", "default", "10.9.0.1", Map.of("app", "client")));
    var cla = (io.minimesh.api.xds.v1.ClusterLoadAssignment) r.of(TypeUrls.ENDPOINT).get("outbound|80||api.default.svc.cluster.local").message();
    assertThat(cla.getEndpointsList()).extracting(e -> e.getLocality().getRegion() + "/" + e.getLocality().getZone() + "=" + e.getPriority())
        .containsExactlyInAnyOrder("us-east/zone-a=0", "us-east/zone-b=1", "ap-south/zone-a=2", "eu-west/zone-a=3");
  }

  @Test
  void identicalProxiesShareOneGeneration() {
    PushContext ctx = TestData.context("bookinfo");
    ProxyResources a = ConfigGenerator.generate(ctx, TestData.gateway());
    ProxyResources b = ConfigGenerator.generate(ctx, io.minimesh.pilot.xds.Proxy.fromNode(io.minimesh.api.xds.v1.Node.newBuilder()
        .setId("istio-ingressgateway-2.istio-system").setNamespace("istio-system").setProxyType(io.minimesh.api.xds.v1.ProxyType.ROUTER)
        .putLabels("istio", "ingressgateway").putLabels("app", "istio-ingressgateway").addIpAddresses("10.9.9.9").build()));
    assertThat(b).isSameAs(a);
    // A sidecar shares cluster resources (built and serialized once) with other sidecars.
    ProxyResources s1 = ConfigGenerator.generate(ctx, TestData.sidecar("a", "default", "10.7.0.1", Map.of("app", "a")));
    ProxyResources s2 = ConfigGenerator.generate(ctx, TestData.sidecar("b", "default", "10.7.0.2", Map.of("app", "b")));
    String name = "outbound|9080||details.default.svc.cluster.local";
    assertThat(s1.of(TypeUrls.CLUSTER).get(name)).isSameAs(s2.of(TypeUrls.CLUSTER).get(name));
  }

  @Test
  void docsShapesRouteAsIstioWould() throws Exception {
    String yaml = java.nio.file.Files.readString(java.nio.file.Path.of("src/test/resources/compat/istio-shapes.yaml"));
    ProxyResources r = ConfigGenerator.generate(PushContext.build(TestData.snapshot(yaml)),
        TestData.sidecar("productpage-v1", "default", "10.0.0.10", Map.of("app", "productpage")));
    // A TLS route to a wildcard ServiceEntry host (Istio's wildcard egress) targets that entry's cluster.
    assertThat(r.of(TypeUrls.CLUSTER)).containsKey("outbound|443||*.wikipedia.org");
    RouteConfiguration rc = rds(r, "9080");
    String reviews = "outbound|9080|%s|reviews.default.svc.cluster.local";
    // Header match with sourceLabels of this workload (app: productpage) and ignoreUriCase.
    assertThat(RouteSimulator.route(rc, Request.get("reviews:9080", "/REVIEWS/1").with("end-user", "jason")))
        .isEqualTo(reviews.formatted("v2"));
    assertThat(RouteSimulator.route(rc, Request.get("reviews:9080", "/api/v2/reviews")))
        .isEqualTo(reviews.formatted("v2"));
    assertThat(RouteSimulator.route(rc, Request.get("reviews:9080", "/api/v2/reviews").with("x-skip", "1")))
        .isEqualTo(reviews.formatted("v1"));
    assertThat(RouteSimulator.route(rc, Request.get("reviews:9080", "/reviews/1?debug=true")))
        .isEqualTo("weighted:" + reviews.formatted("v1") + "=50," + reviews.formatted("v3") + "=50");
    assertThat(RouteSimulator.route(rc, Request.get("ratings:9080", "/ratings/1")))
        .isEqualTo("outbound|9080|v1|ratings.default.svc.cluster.local");
  }
}
