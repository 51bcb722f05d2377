package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.xds.RouteSimulator.Request;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** DestinationRule / VirtualService resilience settings and LocalRateLimit, as a proxy receives them (Istio semantics). */
class ResilienceTranslationTest {
  private static final Proxy SIDECAR = TestData.sidecar("productpage-v1", "default", "10.0.0.10", Map.of("app", "productpage"));
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  private static ProxyResources resilience() {
    return ConfigGenerator.generate(TestData.context("resilience"), SIDECAR);
  }

  private static Cluster cluster(ProxyResources r, String name) {
    return (Cluster) r.of(TypeUrls.CLUSTER).get(name).message();
  }

  @Test
  void connectionPoolBecomesCircuitBreakersAndConnectionLimits() {
    Cluster c = cluster(resilience(), "outbound|9080||" + REVIEWS);
    var th = c.getCircuitBreakers().getThresholds(0);
    assertThat(th.getMaxConnections()).isEqualTo(100);
    assertThat(th.getMaxPendingRequests()).isEqualTo(10);
    assertThat(th.getMaxRequests()).isEqualTo(1000);
    assertThat(th.getMaxRetries()).isEqualTo(3);
    assertThat(c.getMaxRequestsPerConnection()).isEqualTo(10);
    assertThat(c.getConnectTimeout().getNanos()).isEqualTo(250_000_000);
    assertThat(c.getIdleTimeout().getSeconds()).as("http.idleTimeout wins over tcp.idleTimeout").isEqualTo(30);
    assertThat(c.getUpstreamProtocol()).isEqualTo(Cluster.UpstreamProtocol.HTTP2);
    assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(c.getMaxConnectionDuration().getSeconds()).isEqualTo(600);
    assertThat(c.getTcpKeepalive().getKeepaliveProbes()).isEqualTo(3);
    assertThat(c.getTcpKeepalive().getKeepaliveTime()).isEqualTo(7200);
    assertThat(c.getTcpKeepalive().getKeepaliveInterval()).isEqualTo(75);
  }

  @Test
  void portLevelSettingsReplaceTheWholePolicyForThatPort() {
    Cluster c = cluster(resilience(), "outbound|9090||" + REVIEWS);
    var th = c.getCircuitBreakers().getThresholds(0);
    assertThat(th.getMaxConnections()).isEqualTo(1);
    assertThat(th.getMaxPendingRequests()).as("not inherited: Istio's unlimited default").isEqualTo(Integer.MAX_VALUE);
    assertThat(c.hasOutlierDetection()).isFalse();
    assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
  }

  @Test
  void clustersWithoutPolicyGetIstiosUnlimitedDefaults() {
    Cluster c = cluster(resilience(), "outbound|9080||shadow.default.svc.cluster.local");
    var th = c.getCircuitBreakers().getThresholds(0);
    assertThat(th.getMaxConnections()).isEqualTo(Integer.MAX_VALUE);
    assertThat(th.getMaxRetries()).isEqualTo(Integer.MAX_VALUE);
    assertThat(c.hasOutlierDetection()).isFalse();
  }

  @Test
  void outlierDetectionAsIstioSetsIt() {
    Cluster c = cluster(resilience(), "outbound|9080||" + REVIEWS);
    var od = c.getOutlierDetection();
    assertThat(od.getConsecutive5Xx()).isEqualTo(5);
    assertThat(od.getEnforcingConsecutive5Xx()).isEqualTo(100);
    assertThat(od.hasConsecutiveGatewayFailure()).isFalse();
    assertThat(od.getInterval().getSeconds()).isEqualTo(10);
    assertThat(od.getBaseEjectionTime().getSeconds()).isEqualTo(30);
    assertThat(od.getMaxEjectionPercent()).isEqualTo(50);
    assertThat(c.getCommonLbConfig().getHealthyPanicThreshold().getValue()).as("minHealthPercent default 0: no panic").isZero();
    // subset v1: its outlierDetection replaces the top-level one; deprecated consecutiveErrors = gateway errors
    Cluster v1 = cluster(resilience(), "outbound|9080|v1|" + REVIEWS);
    var o1 = v1.getOutlierDetection();
    assertThat(o1.getConsecutiveGatewayFailure()).isEqualTo(7);
    assertThat(o1.getEnforcingConsecutiveGatewayFailure()).isEqualTo(100);
    assertThat(o1.getEnforcingConsecutive5Xx()).isZero();
    assertThat(o1.getSplitExternalLocalOriginErrors()).isTrue();
    assertThat(o1.getConsecutiveLocalOriginFailure()).isEqualTo(2);
    assertThat(v1.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isEqualTo(20.0);
    // the rest of the top-level policy still applies to the subset
    assertThat(v1.getCircuitBreakers().getThresholds(0).getMaxConnections()).isEqualTo(100);
  }

  @Test
  void localityFailoverGivesPrioritiesFromTheProxysLocality() {
    var cla = (ClusterLoadAssignment) resilience().of(TypeUrls.ENDPOINT).get("outbound|9080||" + REVIEWS).message();
    Map<String, Integer> prio = cla.getEndpointsList().stream().collect(Collectors.toMap(
        l -> l.getLocality().getRegion() + "/" + l.getLocality().getZone(), LocalityLbEndpoints::getPriority));
    // proxy in us-east/zone-a; failover us-east → eu-west: us-west comes last
    assertThat(prio).containsExactlyInAnyOrderEntriesOf(Map.of(
        "us-east/zone-a", 0, "us-east/zone-b", 1, "eu-west/zone-d", 2, "us-west/zone-c", 3));
  }

  @Test
  void localityDistributeIsResolvedForTheProxy() {
    Cluster v2 = cluster(resilience(), "outbound|9080|v2|" + REVIEWS);
    assertThat(v2.getCommonLbConfig().getLocalityDistributeMap()).containsExactlyInAnyOrderEntriesOf(Map.of("us-west/*", 80, "eu-west/*", 20));
    var cla = (ClusterLoadAssignment) resilience().of(TypeUrls.ENDPOINT).get("outbound|9080|v2|" + REVIEWS).message();
    assertThat(cla.getEndpointsList()).allSatisfy(l -> assertThat(l.getPriority()).as("distribute: no failover priorities").isZero());
  }

  @Test
  void faultMirrorAndRetriesReachTheRoutes() {
    RouteConfiguration rc = (RouteConfiguration) resilience().of(TypeUrls.ROUTE).get("9080").message();
    var faulty = RouteSimulator.matchedRoute(rc, Request.get("reviews", "/").with("x-fault", "1"));
    assertThat(faulty.getFault().getDelay().getFixedDelay().getSeconds()).isEqualTo(2);
    assertThat(faulty.getFault().getDelay().getPercentage().getValue()).isEqualTo(10.0);
    assertThat(faulty.getFault().getAbort().getGrpcStatus()).isEqualTo(14);
    var aborted = RouteSimulator.matchedRoute(rc, Request.get("reviews", "/").with("x-fault", "2"));
    assertThat(aborted.getFault().getAbort().getHttpStatus()).isEqualTo(503);
    assertThat(aborted.getFault().getAbort().getPercentage().getValue()).isEqualTo(50.5);

    var mirrored = RouteSimulator.matchedRoute(rc, Request.get("reviews", "/mirror/x"));
    assertThat(RouteSimulator.route(rc, Request.get("reviews", "/mirror/x"))).isEqualTo("outbound|9080|v2|" + REVIEWS);
    assertThat(mirrored.getRoute().getRequestMirrorPolicies(0).getCluster()).isEqualTo("outbound|9080||shadow.default.svc.cluster.local");
    assertThat(mirrored.getRoute().getRequestMirrorPolicies(0).getRuntimeFraction().getValue()).isEqualTo(25.0);
    assertThat(resilience().of(TypeUrls.CLUSTER)).containsKey("outbound|9080||shadow.default.svc.cluster.local");

    var retried = RouteSimulator.matchedRoute(rc, Request.get("reviews", "/retry")).getRoute().getRetryPolicy();
    assertThat(retried.getNumRetries()).isEqualTo(3);
    assertThat(retried.getRetryOn()).isEqualTo("gateway-error,connect-failure,retriable-status-codes");
    assertThat(retried.getRetriableStatusCodesList()).containsExactly(503, 429);
    assertThat(retried.getPerTryTimeout().getNanos()).isEqualTo(500_000_000);
    assertThat(retried.getRetryPreviousPriorities()).isTrue();

    assertThat(RouteSimulator.matchedRoute(rc, Request.get("reviews", "/once")).getRoute().hasRetryPolicy()).isFalse();
    // no retries block: Istio's default policy
    var dflt = RouteSimulator.matchedRoute(rc, Request.get("reviews", "/other")).getRoute().getRetryPolicy();
    assertThat(dflt.getNumRetries()).isEqualTo(2);
    assertThat(dflt.getRetryOn()).isEqualTo("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
    assertThat(dflt.getRetriableStatusCodesList()).containsExactly(503);
    assertThat(RouteSimulator.route(rc, Request.get("reviews", "/other"))).isEqualTo("outbound|9080|v1|" + REVIEWS);
  }

  @Test
  void localRateLimitsAtListenerHostAndRoute() {
    ProxyResources r = ConfigGenerator.generate(TestData.context("ratelimit"), TestData.gateway(Map.of("port_map", "80:8080")));
    Listener l = (Listener) r.of(TypeUrls.LISTENER).get("0.0.0.0_8080").message();
    var hcm = l.getFilterChains(0).getFilters(0).getHttpConnectionManager();
    assertThat(hcm.getRateLimit().getMaxTokens()).isEqualTo(100);
    assertThat(hcm.getRateLimit().getTokensPerFill()).isEqualTo(100);
    assertThat(hcm.getRateLimit().getFillInterval().getSeconds()).isEqualTo(1);
    RouteConfiguration rc = (RouteConfiguration) r.of(TypeUrls.ROUTE).get("http.8080").message();
    var api = rc.getVirtualHostsList().stream().filter(v -> v.getDomainsList().contains("api.example.com")).findFirst().orElseThrow();
    var shop = rc.getVirtualHostsList().stream().filter(v -> v.getDomainsList().contains("shop.example.com")).findFirst().orElseThrow();
    assertThat(api.getRateLimit().getMaxTokens()).isEqualTo(10);
    assertThat(shop.hasRateLimit()).isFalse();
    var checkout = RouteSimulator.matchedRoute(rc, Request.get("shop.example.com", "/checkout"));
    assertThat(checkout.getRateLimit().getMaxTokens()).isEqualTo(1);
    assertThat(checkout.getRateLimit().getTokensPerFill()).isEqualTo(1);
    assertThat(checkout.getRateLimit().getStatus()).isEqualTo(503);
    assertThat(RouteSimulator.matchedRoute(rc, Request.get("shop.example.com", "/")).hasRateLimit()).isFalse();
  }
}
