package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterDump;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.api.xds.v1.TypeSyncStatus;
import io.minimesh.meshctl.internal.xds.PilotClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyStatusCommandTest {
  @TempDir Path tmp;

  private FakePilot pilot;
  private FakeAdmin gatewayAdmin;

  @BeforeEach
  void setUp() throws Exception {
    pilot = new FakePilot();
    gatewayAdmin = new FakeAdmin();
    gatewayAdmin.dump = Fixtures.gateway();
    pilot.dumps.put("istio-ingressgateway.istio-system", Fixtures.gateway());
    pilot.dumps.put("reviews-v1.default", Fixtures.sidecar());
    pilot.connections =
        List.of(
            connected("istio-ingressgateway.istio-system", gatewayAdmin.address()),
            connected("reviews-v1.default", "0.0.0.0:1"),
            ConnectedProxy.newBuilder()
                .setNode(Node.newBuilder().setId("meshctl-1.debug").putMetadata(PilotClient.DEBUG_CLIENT_METADATA, "meshctl"))
                .build());
    pilot.syncz =
        List.of(
            status("reviews-v1.default", "pilot-7d9f", "0.1.0-SNAPSHOT",
                synced(TypeUrls.CLUSTER, 12), synced(TypeUrls.LISTENER, 12), synced(TypeUrls.ENDPOINT, 3 * 60 + 5),
                type(TypeUrls.ROUTE, "STALE")),
            status("istio-ingressgateway.istio-system", "pilot-7d9f", "0.1.0-SNAPSHOT",
                synced(TypeUrls.CLUSTER, 2 * 3600), synced(TypeUrls.LISTENER, 45),
                type(TypeUrls.ENDPOINT, "NOT SENT"),
                type(TypeUrls.ROUTE, "ERROR").toBuilder()
                    .setError("route \"http.8080\": virtual_hosts[0].routes[2]: unknown cluster\n\"outbound|9080||nope\"")
                    .build()),
            status("ratings-v1.default", "pilot-7d9f", "", synced(TypeUrls.CLUSTER, 5)));
  }

  @AfterEach
  void tearDown() throws Exception {
    pilot.close();
    gatewayAdmin.close();
  }

  private Cli.Result run(String... args) {
    return Cli.run(Map.of(Main.XDS_ADDRESS_ENV, pilot.address()), c -> {}, args);
  }

  @Test
  void tableRendersEverySyncState() {
    Cli.Result r = run("proxy-status");
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    Golden.assertMatches("proxy-status.txt", r.out());
    assertThat(r.out())
        .containsPattern("reviews-v1.default\\s+SYNCED \\(12s\\)\\s+SYNCED \\(12s\\)\\s+SYNCED \\(3m5s\\)\\s+STALE\\s+pilot-7d9f")
        .contains("NOT SENT")
        .contains("ERROR: route \"http.8080\": virtual_hosts[0].routes[2]: unknown cluster \"outbound|9080||nope\"");
    // ratings only got clusters: the other types were never sent.
    assertThat(r.out()).containsPattern("ratings-v1.default\\s+SYNCED \\(5s\\)\\s+NOT SENT\\s+NOT SENT\\s+NOT SENT");
  }

  @Test
  void asksPilotAsADebugClient() {
    run("ps");
    assertThat(pilot.requests).isNotEmpty();
    assertThat(pilot.requests.get(0).getTypeUrl()).isEqualTo(TypeUrls.DEBUG_SYNCZ);
    assertThat(pilot.requests.get(0).getNode().getMetadataMap()).containsKey(PilotClient.DEBUG_CLIENT_METADATA);
  }

  @Test
  void jsonAndYaml() throws Exception {
    Cli.Result json = run("ps", "-o", "json");
    assertThat(json.exitCode()).isZero();
    var tree = io.minimesh.meshctl.internal.output.Json.parse(json.out());
    assertThat(tree.size()).isEqualTo(3);
    SyncStatus first = JsonPrinter.parse(tree.get(0).toString(), SyncStatus.newBuilder()).build();
    assertThat(first).isEqualTo(pilot.syncz.get(0));
    assertThat(run("ps", "-o", "yaml").out()).contains("- proxy_id: reviews-v1.default").contains("status: STALE");
  }

  @Test
  void proxyThatMatchesPilot() {
    Cli.Result r = run("proxy-status", "istio-ingressgateway.istio-system");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo("Clusters Match\nListeners Match\nRoutes Match\n");
    assertThat(gatewayAdmin.requests).contains("GET /config_dump");
  }

  @Test
  void volatileFieldsAndStaticResourcesAreIgnored() {
    ConfigDump.Builder proxy = Fixtures.gateway().toBuilder();
    // The proxy applied the same config later, under another version, and lists it in another order.
    for (int i = 0; i < proxy.getClustersCount(); i++) {
      proxy.setClusters(i, proxy.getClusters(i).toBuilder()
          .setLastUpdated(Timestamp.newBuilder().setSeconds(1796000000L)).setVersionInfo("v43"));
    }
    List<ClusterDump> reversed = new java.util.ArrayList<>(proxy.getClustersList());
    java.util.Collections.reverse(reversed);
    proxy.clearClusters().addAllClusters(reversed);
    proxy.addClusters(ClusterDump.newBuilder()
        .setCluster(Cluster.newBuilder().setName("prometheus_stats").setType(Cluster.DiscoveryType.STATIC))
        .setState("static"));
    gatewayAdmin.dump = proxy.build();
    assertThat(run("ps", "istio-ingressgateway.istio-system").out())
        .isEqualTo("Clusters Match\nListeners Match\nRoutes Match\n");
  }

  @Test
  void proxyThatDiffersShowsAUnifiedDiff() {
    ConfigDump.Builder proxy = Fixtures.gateway().toBuilder();
    proxy.setClusters(0, proxy.getClusters(0).toBuilder()
        .setCluster(proxy.getClusters(0).getCluster().toBuilder().setConnectTimeout(
            com.google.protobuf.Duration.newBuilder().setSeconds(1))));
    proxy.removeRouteConfigs(1);
    gatewayAdmin.dump = proxy.build();
    Cli.Result r = run("ps", "istio-ingressgateway.istio-system");
    assertThat(r.exitCode()).isZero();
    Golden.assertMatches("proxy-status-diff.txt", r.out());
    assertThat(r.out())
        .contains("--- Pilot Clusters\n+++ Proxy Clusters\n@@ ")
        .contains("-    \"connect_timeout\": \"10s\",\n+    \"connect_timeout\": \"1s\",")
        .contains("Listeners Match")
        .contains("--- Pilot Routes\n+++ Proxy Routes");
  }

  @Test
  void proxyDumpFromAFile() throws Exception {
    Path f = tmp.resolve("sidecar.json");
    Files.writeString(f, JsonPrinter.print(Fixtures.sidecar()));
    assertThat(run("ps", "reviews-v1.default", "-f", f.toString()).out())
        .isEqualTo("Clusters Match\nListeners Match\nRoutes Match\n");
  }

  @Test
  void unknownProxyListsTheConnectedOnes() {
    Cli.Result r = run("proxy-status", "x");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("Error: proxy \"x.default\" not found; connected proxies: istio-ingressgateway.istio-system, ratings-v1.default, reviews-v1.default\n");
    Cli.Result pc = run("proxy-config", "routes", "nope.ns");
    assertThat(pc.exitCode()).isEqualTo(1);
    assertThat(pc.err()).startsWith("Error: proxy \"nope.ns\" not found; connected proxies: istio-ingressgateway");
  }

  @Test
  void proxyConfigFindsTheAdminAddressThroughPilot() {
    Cli.Result r = run("pc", "clusters", "istio-ingressgateway.istio-system");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo(Cli.run("pc", "clusters", "--admin-address", gatewayAdmin.address()).out());
  }

  @Test
  void proxiesKnownOnlyFromSynczAreFoundAndNamespaceFlagWorks() {
    pilot.connections = List.of();
    pilot.syncz =
        List.of(
            SyncStatus.newBuilder()
                .setProxyId("istio-ingressgateway.istio-system")
                .setNode(Node.newBuilder().setId("istio-ingressgateway.istio-system").setAdminAddress(gatewayAdmin.address()))
                .build());
    Cli.Result r = run("pc", "routes", "istio-ingressgateway", "-n", "istio-system");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("bookinfo.default");
    Cli.Result missing = run("pc", "routes", "istio-ingressgateway");
    assertThat(missing.err())
        .isEqualTo("Error: proxy \"istio-ingressgateway.default\" not found; connected proxies: istio-ingressgateway.istio-system\n");
  }

  @Test
  void wildcardAdminAddressIsDialedOnThePeerHost() {
    Cli.Result r = run("pc", "clusters", "reviews-v1");
    assertThat(r.exitCode()).isEqualTo(1);
    // 0.0.0.0:1 reported, connection came from 127.0.0.1: we dial 127.0.0.1:1.
    assertThat(r.err()).contains("cannot reach the proxy admin API at 127.0.0.1:1");
  }

  @Test
  void unreachablePilotSaysWhereItLookedAndHowToChangeIt() {
    Cli.Result r = Cli.run(Map.of(), c -> {}, "--timeout", "3s", "ps");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: cannot reach pilot at localhost:15010 (set --xds-address or MESHCTL_XDS_ADDRESS)\n");
    Cli.Result flag = Cli.run(Map.of(Main.XDS_ADDRESS_ENV, "127.0.0.1:2"), c -> {}, "ps", "--xds-address", "127.0.0.1:1");
    assertThat(flag.err()).contains("cannot reach pilot at 127.0.0.1:1 ");
    Cli.Result env = Cli.run(Map.of(Main.XDS_ADDRESS_ENV, "127.0.0.1:2"), c -> {}, "ps");
    assertThat(env.err()).contains("cannot reach pilot at 127.0.0.1:2 ");
  }

  // ---- helpers ----

  static ConnectedProxy connected(String id, String admin) {
    return ConnectedProxy.newBuilder()
        .setNode(Node.newBuilder().setId(id).setAdminAddress(admin).setVersion("0.1.0-SNAPSHOT"))
        .setPeerAddress("127.0.0.1:40000")
        .build();
  }

  static SyncStatus status(String id, String pilot, String version, TypeSyncStatus... types) {
    return SyncStatus.newBuilder()
        .setProxyId(id)
        .setNode(Node.newBuilder().setId(id).setVersion(version))
        .setPilotInstance(pilot)
        .addAllTypes(List.of(types))
        .build();
  }

  static TypeSyncStatus synced(String typeUrl, long ageSeconds) {
    Timestamp acked = Timestamp.newBuilder().setSeconds(Cli.NOW.minus(Duration.ofSeconds(ageSeconds)).getEpochSecond()).build();
    return type(typeUrl, "SYNCED").toBuilder().setAckedTime(acked).setAckedVersion("v1").setSentVersion("v1").build();
  }

  static TypeSyncStatus type(String typeUrl, String status) {
    return TypeSyncStatus.newBuilder().setTypeUrl(typeUrl).setStatus(status).build();
  }
}
