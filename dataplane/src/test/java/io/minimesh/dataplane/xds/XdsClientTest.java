package io.minimesh.dataplane.xds;

import static io.minimesh.api.xds.TypeUrls.CLUSTER;
import static io.minimesh.api.xds.TypeUrls.ENDPOINT;
import static io.minimesh.api.xds.TypeUrls.LISTENER;
import static io.minimesh.api.xds.TypeUrls.ROUTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.minimesh.api.xds.v1.Address;
import io.minimesh.api.xds.v1.Admin;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DynamicResources;
import io.minimesh.api.xds.v1.Endpoint;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.LbEndpoint;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.api.xds.v1.Rds;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.SocketAddress;
import io.minimesh.api.xds.v1.StaticResources;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ADS protocol as the proxy speaks it, against an in-process fake pilot. */
class XdsClientTest {
  private final String serverName = "ads-" + UUID.randomUUID();
  private final FakeAds ads = new FakeAds(serverName);
  private ManualScheduler scheduler = new ManualScheduler();
  private final StatsRegistry stats = new StatsRegistry();
  private FakeApplier applier;
  private XdsClient client;

  private static final Bootstrap BOOTSTRAP = Bootstrap.newBuilder()
      .setNode(Node.newBuilder().setId("router-1.minimesh-system").setProxyType(ProxyType.ROUTER)
          .putLabels("istio", "ingressgateway").addIpAddresses("10.0.0.7"))
      .setAdmin(Admin.newBuilder().setAddress(address("127.0.0.1", 15000)))
      .setStaticResources(StaticResources.newBuilder().addClusters(staticCluster("static_a")))
      .setDynamicResources(DynamicResources.newBuilder().setAdsAddress("in-process:1")
          .setInitialFetchTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10)))
      .build();

  @BeforeEach
  void setUp() throws Exception {
    ads.start();
    applier = new FakeApplier(ConfigSnapshot.fromBootstrap(BOOTSTRAP, Instant.EPOCH));
    ManagedChannel channel = InProcessChannelBuilder.forName(serverName).directExecutor().build();
    client = new XdsClient(BOOTSTRAP, applier, stats, channel, scheduler, () -> 1.0);
  }

  @AfterEach
  void tearDown() {
    client.close();
    ads.stop();
  }

  /** Starts the client and consumes its initial CDS and LDS subscriptions. */
  private void startAndSubscribe() throws Exception {
    client.start();
    assertThat(ads.next().getTypeUrl()).isEqualTo(CLUSTER);
    assertThat(ads.next().getTypeUrl()).isEqualTo(LISTENER);
  }

  @Test
  void subscribesToClustersAndListenersByWildcardSendingTheNodeFirst() throws Exception {
    client.start();
    DiscoveryRequest cds = ads.next();
    assertThat(cds.getTypeUrl()).isEqualTo(CLUSTER);
    assertThat(cds.getResourceNamesList()).isEmpty();
    assertThat(cds.getVersionInfo()).isEmpty();
    assertThat(cds.getResponseNonce()).isEmpty();
    Node node = cds.getNode();
    assertThat(node.getId()).isEqualTo("router-1.minimesh-system");
    assertThat(node.getNamespace()).isEqualTo("minimesh-system");
    assertThat(node.getProxyType()).isEqualTo(ProxyType.ROUTER);
    assertThat(node.getLabelsMap()).containsEntry("istio", "ingressgateway");
    assertThat(node.getIpAddressesList()).containsExactly("10.0.0.7");
    assertThat(node.getAdminAddress()).isEqualTo("127.0.0.1:15000");
    assertThat(node.getVersion()).isEqualTo(XdsClient.VERSION);
    DiscoveryRequest lds = ads.next();
    assertThat(lds.getTypeUrl()).isEqualTo(LISTENER);
    assertThat(lds.getResourceNamesList()).isEmpty();
    assertThat(lds.hasNode()).as("node only on the first request of a stream").isFalse();
    ads.assertNoRequest();
  }

  @Test
  void appliesAnUpdateAndAcksItsVersionAndNonce() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "v1", "n1", staticCluster("a"));
    DiscoveryRequest ack = ads.next();
    assertThat(ack.getTypeUrl()).isEqualTo(CLUSTER);
    assertThat(ack.getVersionInfo()).isEqualTo("v1");
    assertThat(ack.getResponseNonce()).isEqualTo("n1");
    assertThat(ack.hasErrorDetail()).isFalse();

    ConfigSnapshot now = applier.current();
    assertThat(now.clusters()).containsKeys("a", "static_a");
    assertThat(now.clusters().get("a").version()).isEqualTo("v1");
    assertThat(now.clusters().get("a").isStatic()).isFalse();
    assertThat(now.clusters().get("static_a").isStatic()).isTrue();
    assertThat(stats.counter("cluster_manager.cds.update_success").get()).isEqualTo(1);
    assertThat(stats.counter("cluster_manager.cds.update_attempt").get()).isEqualTo(1);
    assertThat(stats.gauge("control_plane.connected_state").get()).isEqualTo(1);
    assertThat(client.status().type("CDS").version()).isEqualTo("v1");
  }

  @Test
  void nacksARejectedUpdateWithTheReasonAndKeepsTheLastGoodConfig() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "v1", "n1", staticCluster("a"));
    assertThat(ads.next().getVersionInfo()).isEqualTo("v1");
    applier.rejector = s -> s.clusters().containsKey("bad") ? "Cluster \"bad\": connect_timeout: must be positive" : null;

    ads.send(CLUSTER, "v2", "n2", staticCluster("a"), staticCluster("bad"));
    DiscoveryRequest nack = ads.next();
    assertThat(nack.getVersionInfo()).as("NACK carries the last applied version").isEqualTo("v1");
    assertThat(nack.getResponseNonce()).isEqualTo("n2");
    assertThat(nack.getErrorDetail().getMessage()).isEqualTo("Cluster \"bad\": connect_timeout: must be positive");
    assertThat(applier.current().clusters()).containsKey("a").doesNotContainKey("bad");
    assertThat(stats.counter("cluster_manager.cds.update_rejected").get()).isEqualTo(1);
    assertThat(client.status().type("CDS").lastError()).contains("must be positive");
    assertThat(client.status().type("CDS").version()).isEqualTo("v1");

    ads.send(CLUSTER, "v3", "n3", staticCluster("a"), staticCluster("b"));
    DiscoveryRequest ack = ads.next();
    assertThat(ack.getVersionInfo()).isEqualTo("v3");
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(applier.current().clusters()).containsKeys("a", "b");
    assertThat(client.status().type("CDS").lastError()).isEmpty();
  }

  @Test
  void ignoresAResponseWithAStaleNonce() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "v1", "n1", staticCluster("a"));
    assertThat(ads.next().getResponseNonce()).isEqualTo("n1");
    ads.send(CLUSTER, "v2", "n1", staticCluster("a"), staticCluster("replayed"));
    ads.send(CLUSTER, "v3", "n3", staticCluster("a"), staticCluster("c"));
    DiscoveryRequest ack = ads.next();
    assertThat(ack.getResponseNonce()).isEqualTo("n3");
    assertThat(ack.getVersionInfo()).isEqualTo("v3");
    assertThat(applier.applied).noneMatch(s -> s.clusters().containsKey("replayed"));
    assertThat(stats.counter("cluster_manager.cds.update_attempt").get()).isEqualTo(2);
  }

  @Test
  void anEdsClusterWarmsUntilItsEndpointsArrive() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "c1", "n1", edsCluster("reviews", "outbound|9080||reviews"));
    DiscoveryRequest eds = ads.next();
    assertThat(eds.getTypeUrl()).as("EDS subscription goes out before the CDS ACK").isEqualTo(ENDPOINT);
    assertThat(eds.getResourceNamesList()).containsExactly("outbound|9080||reviews");
    DiscoveryRequest cdsAck = ads.next();
    assertThat(cdsAck.getTypeUrl()).isEqualTo(CLUSTER);
    assertThat(cdsAck.getVersionInfo()).as("CDS is ACKed while its cluster warms").isEqualTo("c1");
    scheduler.idle();
    assertThat(applier.current().clusters()).doesNotContainKey("reviews");
    assertThat(client.status().type("CDS").warming()).isEqualTo(1);
    assertThat(stats.gauge("cluster_manager.warming_clusters").get()).isEqualTo(1);

    ads.send(ENDPOINT, "e1", "n2", cla("outbound|9080||reviews", 9080));
    DiscoveryRequest edsAck = ads.next();
    assertThat(edsAck.getTypeUrl()).isEqualTo(ENDPOINT);
    assertThat(edsAck.getVersionInfo()).isEqualTo("e1");
    assertThat(edsAck.getResourceNamesList()).containsExactly("outbound|9080||reviews");
    assertThat(applier.current().clusters()).containsKey("reviews");
    assertThat(applier.current().endpoints()).containsKey("outbound|9080||reviews");
    assertThat(client.status().type("CDS").warming()).isZero();
    assertThat(stats.counter("cluster_manager.eds.update_success").get()).isEqualTo(1);
  }

  @Test
  void aListenerWarmsUntilItsRoutesArriveAndRdsFollowsTheListeners() throws Exception {
    startAndSubscribe();
    ads.send(LISTENER, "l1", "n1", rdsListener("http_8080", "http.8080"));
    DiscoveryRequest rds = ads.next();
    assertThat(rds.getTypeUrl()).isEqualTo(ROUTE);
    assertThat(rds.getResourceNamesList()).containsExactly("http.8080");
    assertThat(ads.next().getVersionInfo()).as("LDS ACK").isEqualTo("l1");
    scheduler.idle();
    assertThat(applier.current().listeners()).doesNotContainKey("http_8080");

    ads.send(ROUTE, "r1", "n2", RouteConfiguration.newBuilder().setName("http.8080").build());
    DiscoveryRequest rdsAck = ads.next();
    assertThat(rdsAck.getTypeUrl()).isEqualTo(ROUTE);
    assertThat(rdsAck.getVersionInfo()).isEqualTo("r1");
    assertThat(applier.current().listeners()).containsKey("http_8080");
    assertThat(applier.current().routes()).containsKey("http.8080");
    assertThat(stats.counter("http.rds.update_success").get()).isEqualTo(1);

    // The listener goes away: RDS is unsubscribed (before the LDS ACK) and its routes dropped.
    ads.send(LISTENER, "l2", "n3");
    DiscoveryRequest unsubscribe = ads.next();
    assertThat(unsubscribe.getTypeUrl()).isEqualTo(ROUTE);
    assertThat(unsubscribe.getResourceNamesList()).isEmpty();
    assertThat(unsubscribe.getVersionInfo()).isEqualTo("r1");
    assertThat(unsubscribe.getResponseNonce()).isEqualTo("n2");
    assertThat(ads.next().getVersionInfo()).isEqualTo("l2");
    assertThat(applier.current().listeners()).doesNotContainKey("http_8080");
  }

  @Test
  void initializedOnceClustersAndListenersAreAppliedAndWarm() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "c1", "n1", edsCluster("a", "svc-a"));
    ads.next();
    ads.next();
    ads.send(LISTENER, "l1", "n2");
    ads.next();
    assertThat(client.initialized()).as("cluster a still warming").isNotDone();
    ads.send(ENDPOINT, "e1", "n3", cla("svc-a", 1));
    ads.next();
    assertThat(client.initialized()).isDone();
  }

  @Test
  void statusIsAvailableToTheAdminApi() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "v1", "n1", staticCluster("a"));
    ads.next();
    var s = client.asStatusSource().status();
    assertThat(s.address()).isEqualTo("in-process:1");
    assertThat(s.connected()).isTrue();
    assertThat(s.types().get(0).type()).isEqualTo("CDS");
    assertThat(s.types().get(0).version()).isEqualTo("v1");
    assertThat(s.types().get(0).updateSuccess()).isEqualTo(1);
  }

  @Test
  void aWarmingClusterIsActivatedAfterTheInitialFetchTimeout() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "c1", "n1", edsCluster("ratings", "ratings"));
    ads.next(); // EDS subscription
    ads.next(); // CDS ACK
    scheduler.idle();
    assertThat(applier.current().clusters()).doesNotContainKey("ratings");
    scheduler.advance(Duration.ofSeconds(9));
    assertThat(applier.current().clusters()).doesNotContainKey("ratings");
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(applier.current().clusters()).containsKey("ratings");
    assertThat(applier.current().endpoints()).doesNotContainKey("ratings");
  }

  @Test
  void endpointOnlyUpdatesReplaceOnlyTheLoadAssignmentsSent() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "c1", "n1", edsCluster("a", "svc-a"), edsCluster("b", "svc-b"));
    assertThat(ads.next().getResourceNamesList()).containsExactly("svc-a", "svc-b");
    ads.next(); // CDS ACK
    ads.send(ENDPOINT, "e1", "n2", cla("svc-a", 1), cla("svc-b", 2));
    ads.next();
    ConfigSnapshot before = applier.current();
    ads.send(ENDPOINT, "e2", "n3", cla("svc-a", 11));
    assertThat(ads.next().getVersionInfo()).isEqualTo("e2");
    ConfigSnapshot after = applier.current();
    assertThat(after.endpoints().get("svc-a").version()).isEqualTo("e2");
    assertThat(after.endpoints().get("svc-b")).isSameAs(before.endpoints().get("svc-b"));
    assertThat(after.clusters().get("a")).isSameAs(before.clusters().get("a"));
    assertThat(after.endpoints().get("svc-a").value().getEndpoints(0).getLbEndpoints(0)
        .getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(11);
  }

  @Test
  void reconnectsAfterBackoffAndResubscribesWithAppliedVersions() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "c1", "n1", edsCluster("a", "svc-a"));
    ads.next();
    ads.next();
    ads.send(ENDPOINT, "e1", "n2", cla("svc-a", 1));
    ads.next();
    ConfigSnapshot serving = applier.current();

    ads.breakStream();
    await().atMost(Duration.ofSeconds(5)).until(() -> !client.status().connected());
    scheduler.idle();
    assertThat(stats.gauge("control_plane.connected_state").get()).isZero();
    assertThat(applier.current()).as("keeps serving while pilot is away").isSameAs(serving);
    assertThat(scheduler.scheduled).last().isEqualTo(Duration.ofMillis(500));

    scheduler.advance(Duration.ofMillis(499));
    ads.assertNoRequest();
    assertThat(ads.streams.get()).isEqualTo(1);
    scheduler.advance(Duration.ofMillis(1));
    DiscoveryRequest cds = ads.next();
    assertThat(ads.streams.get()).isEqualTo(2);
    assertThat(cds.getTypeUrl()).isEqualTo(CLUSTER);
    assertThat(cds.getVersionInfo()).isEqualTo("c1");
    assertThat(cds.getResponseNonce()).isEmpty();
    assertThat(cds.getNode().getId()).isEqualTo("router-1.minimesh-system");
    DiscoveryRequest eds = ads.next();
    assertThat(eds.getTypeUrl()).isEqualTo(ENDPOINT);
    assertThat(eds.getVersionInfo()).isEqualTo("e1");
    assertThat(eds.getResourceNamesList()).containsExactly("svc-a");
    assertThat(eds.hasNode()).isFalse();
    DiscoveryRequest lds = ads.next();
    assertThat(lds.getTypeUrl()).isEqualTo(LISTENER);
    assertThat(lds.getVersionInfo()).isEmpty();

    // Same config again on the new stream: ACKed, nothing re-applied.
    int applies = applier.applied.size();
    ads.send(CLUSTER, "c1", "m1", edsCluster("a", "svc-a"));
    assertThat(ads.next().getResponseNonce()).isEqualTo("m1");
    assertThat(applier.applied).hasSize(applies);
    assertThat(client.status().connected()).isTrue();
  }

  @Test
  void backoffGrowsExponentiallyToItsCapAndResetsOnceConnected() throws Exception {
    ads.stop(); // pilot is down
    // Without initial_fetch_timeout, every timer scheduled is a reconnect.
    client.close();
    scheduler = new ManualScheduler();
    Bootstrap noFetchTimeout = BOOTSTRAP.toBuilder()
        .setDynamicResources(BOOTSTRAP.getDynamicResources().toBuilder().setInitialFetchTimeout(
            com.google.protobuf.Duration.getDefaultInstance()))
        .build();
    client = new XdsClient(noFetchTimeout, applier, stats,
        InProcessChannelBuilder.forName(serverName).directExecutor().build(), scheduler, () -> 1.0);
    client.start();
    List<Duration> expected = List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(30),
        Duration.ofSeconds(30));
    for (int i = 0; i < expected.size(); i++) {
      int n = i + 1;
      await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.scheduled.size() == n);
      assertThat(scheduler.scheduled.get(i)).isEqualTo(expected.get(i));
      scheduler.advance(expected.get(i));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.scheduled.size() == expected.size() + 1);

    ads.start(); // pilot is back
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(ads.next().getTypeUrl()).isEqualTo(CLUSTER);
    ads.next();
    ads.send(CLUSTER, "v1", "n1");
    ads.next();
    int before = scheduler.scheduled.size();
    ads.breakStream();
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.scheduled.size() == before + 1);
    assertThat(scheduler.scheduled).last().isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void aClusterRejectedWhenItsEndpointsArriveDoesNotBlockEndpointUpdates() throws Exception {
    startAndSubscribe();
    applier.rejector = s -> s.clusters().containsKey("broken") ? "Cluster \"broken\": lb_policy: unsupported" : null;
    ads.send(CLUSTER, "c1", "n1", edsCluster("broken", "svc-broken"), edsCluster("fine", "svc-fine"));
    ads.next();
    ads.next();
    ads.send(ENDPOINT, "e1", "n2", cla("svc-broken", 1), cla("svc-fine", 2));
    DiscoveryRequest ack = ads.next();
    assertThat(ack.getVersionInfo()).as("the endpoints themselves are fine: ACK").isEqualTo("e1");
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(applier.current().clusters()).containsKey("fine").doesNotContainKey("broken");
    assertThat(client.status().type("CDS").lastError()).contains("broken");
    assertThat(stats.counter("cluster_manager.cds.update_rejected").get()).isEqualTo(1);

    ads.send(ENDPOINT, "e2", "n3", cla("svc-fine", 3));
    assertThat(ads.next().getVersionInfo()).isEqualTo("e2");
    assertThat(applier.current().endpoints().get("svc-fine").version()).isEqualTo("e2");
  }

  @Test
  void aResourceNamedLikeAStaticOneIsRejected() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "v1", "n1", staticCluster("static_a"));
    DiscoveryRequest nack = ads.next();
    assertThat(nack.getErrorDetail().getMessage())
        .isEqualTo("Cluster \"static_a\": a static resource of the same name exists"
            + " (static resources cannot be replaced over xDS)");
    assertThat(nack.getVersionInfo()).isEmpty();
  }

  @Test
  void statusRendersTheAdminJson() throws Exception {
    startAndSubscribe();
    ads.send(CLUSTER, "v1", "n1", staticCluster("a"));
    ads.next();
    JsonNode json = new ObjectMapper().readTree(client.statusJson());
    assertThat(json.at("/control_plane/address").asText()).isEqualTo("in-process:1");
    assertThat(json.at("/control_plane/connected").asBoolean()).isTrue();
    JsonNode cds = json.at("/types/0");
    assertThat(cds.get("type").asText()).isEqualTo("CDS");
    assertThat(cds.get("type_url").asText()).isEqualTo(CLUSTER);
    assertThat(cds.get("version").asText()).isEqualTo("v1");
    assertThat(cds.get("update_success").asLong()).isEqualTo(1);
    assertThat(cds.get("update_rejected").asLong()).isZero();
    assertThat(cds.get("last_error").asText()).isEmpty();
    assertThat(Instant.parse(cds.get("last_update").asText())).isEqualTo(scheduler.now());
    assertThat(json.get("types")).hasSize(5);
  }

  // ---------------------------------------------------------------- resources

  static Address address(String host, int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port)).build();
  }

  static Cluster staticCluster(String name) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(
                LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address("127.0.0.1", 8080))))))
        .build();
  }

  static Cluster edsCluster(String name, String service) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(service)).build();
  }

  static ClusterLoadAssignment cla(String name, int port) {
    return ClusterLoadAssignment.newBuilder().setClusterName(name)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(
            LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address("10.1.0.1", port)))))
        .build();
  }

  static Listener rdsListener(String name, String routeName) {
    return Listener.newBuilder().setName(name).setAddress(address("0.0.0.0", 8080))
        .addFilterChains(FilterChain.newBuilder().addFilters(NetworkFilter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager")
            .setHttpConnectionManager(HttpConnectionManager.newBuilder().setStatPrefix(name)
                .setRds(Rds.newBuilder().setRouteConfigName(routeName)))))
        .build();
  }
}
