package io.minimesh.pilot.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.DebugConfigDump;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.api.xds.v1.TypeSyncStatus;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.monitoring.PilotMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ADS protocol over real gRPC streams (in-process transport). */
class AdsProtocolTest {
  private final PilotMetrics metrics = new PilotMetrics();
  private DiscoveryServer xds;
  private Server server;
  private ManagedChannel channel;
  private final List<AdsClient> clients = new ArrayList<>();

  static final Node GATEWAY = Node.newBuilder().setId("gw-1.istio-system").setNamespace("istio-system")
      .setProxyType(ProxyType.ROUTER).putLabels("istio", "ingressgateway").build();
  static final Node SIDECAR = Node.newBuilder().setId("productpage-v1.default").setNamespace("default")
      .setProxyType(ProxyType.SIDECAR).putLabels("app", "productpage").addIpAddresses("10.0.0.10").build();

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    xds = new DiscoveryServer(Clock.systemUTC(), System::nanoTime, metrics, "pilot-test");
    server = InProcessServerBuilder.forName(name).directExecutor().addService(xds).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    clients.forEach(AdsClient::close);
    channel.shutdownNow();
    server.shutdownNow();
    xds.shutdown();
  }

  private AdsClient connect(Node node) {
    AdsClient c = new AdsClient(channel, node);
    clients.add(c);
    return c;
  }

  private static String text(String dir) {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> s = Files.list(TestData.dir(dir))) {
      for (Path p : s.sorted().toList()) sb.append(Files.readString(p)).append("\n---\n");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return sb.toString();
  }

  private void apply(String yaml) {
    xds.update(PushContext.build(TestData.snapshot(yaml)), System.nanoTime());
  }

  private TypeSyncStatus status(String proxyId, String type) {
    for (SyncStatus s : xds.syncz()) {
      if (!s.getProxyId().equals(proxyId)) continue;
      for (TypeSyncStatus t : s.getTypesList()) if (t.getTypeUrl().equals(type)) return t;
    }
    throw new AssertionError("proxy " + proxyId + " not connected");
  }

  /** Subscribes to CDS, EDS, LDS, RDS like a proxy does, ACKing each; returns the last responses. */
  private List<DiscoveryResponse> syncFully(AdsClient c) throws Exception {
    List<DiscoveryResponse> got = new ArrayList<>();
    c.subscribe(TypeUrls.CLUSTER, List.of());
    DiscoveryResponse cds = c.next();
    got.add(cds);
    c.ack(cds, List.of());
    List<String> eds = cds.getResourcesList().stream().map(a -> unpackCluster(a))
        .filter(cl -> cl.getType() == io.minimesh.api.xds.v1.Cluster.DiscoveryType.EDS).map(cl -> cl.getName()).toList();
    c.subscribe(TypeUrls.ENDPOINT, eds);
    DiscoveryResponse e = c.next();
    got.add(e);
    c.ack(e, eds);
    c.subscribe(TypeUrls.LISTENER, List.of());
    DiscoveryResponse lds = c.next();
    got.add(lds);
    c.ack(lds, List.of());
    List<String> rds = new ArrayList<>();
    for (var a : lds.getResourcesList()) {
      var l = a.unpack(io.minimesh.api.xds.v1.Listener.class);
      for (var fc : l.getFilterChainsList()) for (var f : fc.getFiltersList()) {
        if (f.hasHttpConnectionManager() && f.getHttpConnectionManager().hasRds()) rds.add(f.getHttpConnectionManager().getRds().getRouteConfigName());
      }
    }
    c.subscribe(TypeUrls.ROUTE, rds);
    DiscoveryResponse r = c.next();
    got.add(r);
    c.ack(r, rds);
    return got;
  }

  private static io.minimesh.api.xds.v1.Cluster unpackCluster(com.google.protobuf.Any a) {
    try {
      return a.unpack(io.minimesh.api.xds.v1.Cluster.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void ackMarksTheTypeSynced() throws Exception {
    apply(text("webapp"));
    AdsClient c = connect(GATEWAY);
    c.subscribe(TypeUrls.CLUSTER, List.of());
    DiscoveryResponse cds = c.next();
    assertThat(cds.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
    assertThat(cds.getResourcesList()).hasSize(2);
    assertThat(status("gw-1.istio-system", TypeUrls.CLUSTER).getStatus()).isEqualTo("STALE");
    c.ack(cds, List.of());
    org.awaitility.Awaitility.await().untilAsserted(() -> {
      TypeSyncStatus s = status("gw-1.istio-system", TypeUrls.CLUSTER);
      assertThat(s.getStatus()).isEqualTo("SYNCED");
      assertThat(s.getAckedVersion()).isEqualTo(cds.getVersionInfo());
      assertThat(s.getAckedNonce()).isEqualTo(cds.getNonce());
    });
    assertThat(status("gw-1.istio-system", TypeUrls.LISTENER).getStatus()).isEqualTo("NOT SENT");
  }

  @Test
  void nackIsRecordedWithTheProxysTextAndNotResent() throws Exception {
    apply(text("webapp"));
    AdsClient c = connect(GATEWAY);
    c.subscribe(TypeUrls.LISTENER, List.of());
    DiscoveryResponse lds = c.next();
    c.nack(lds, "", List.of(), "listener 0.0.0.0_80: cannot bind: permission denied");
    org.awaitility.Awaitility.await().untilAsserted(() -> {
      TypeSyncStatus s = status("gw-1.istio-system", TypeUrls.LISTENER);
      assertThat(s.getStatus()).isEqualTo("ERROR");
      assertThat(s.getError()).isEqualTo("listener 0.0.0.0_80: cannot bind: permission denied");
    });
    assertThat(metrics.rejects("LDS")).isEqualTo(1);
    assertThat(metrics.scrape()).contains("pilot_total_xds_rejects{type=\"lds\"} 1");
    // Barrier: a debug request on the same stream is answered after anything the NACK could trigger.
    c.subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
    assertThat(c.next().getTypeUrl()).isEqualTo(TypeUrls.DEBUG_SYNCZ);
  }

  @Test
  void staleNonceIsIgnored() throws Exception {
    apply(text("webapp"));
    AdsClient c = connect(GATEWAY);
    List<DiscoveryResponse> first = syncFully(c);
    DiscoveryResponse oldRds = first.get(3);
    apply(text("webapp").replace("- route:\n    - destination:\n        host: httpbin", "- timeout: 1s\n    route:\n    - destination:\n        host: httpbin"));
    DiscoveryResponse newRds = c.next();
    assertThat(newRds.getTypeUrl()).isEqualTo(TypeUrls.ROUTE);
    RouteConfiguration rc = newRds.getResources(0).unpack(RouteConfiguration.class);
    assertThat(rc.getVirtualHosts(0).getRoutes(0).getRoute().getTimeout().getSeconds()).isEqualTo(1);
    // A NACK carrying the superseded nonce must not turn the new version into ERROR.
    c.nack(oldRds, oldRds.getVersionInfo(), List.of("http.80"), "late complaint about the old version");
    c.subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
    assertThat(c.next().getTypeUrl()).isEqualTo(TypeUrls.DEBUG_SYNCZ);
    TypeSyncStatus s = status("gw-1.istio-system", TypeUrls.ROUTE);
    assertThat(s.getStatus()).isEqualTo("STALE");
    assertThat(s.getSentNonce()).isEqualTo(newRds.getNonce());
    assertThat(metrics.rejects("RDS")).isZero();
    c.ack(newRds, List.of("http.80"));
    org.awaitility.Awaitility.await().until(() -> status("gw-1.istio-system", TypeUrls.ROUTE).getStatus().equals("SYNCED"));
  }

  @Test
  void fullPushIsOrderedClustersEndpointsListenersRoutes() throws Exception {
    apply(text("webapp"));
    AdsClient c = connect(GATEWAY);
    syncFully(c);
    // Cluster policy, endpoints, a second listener and a route timeout change at once.
    String dr = "\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: httpbin, namespace: default}\n"
        + "spec:\n  host: httpbin.default.svc.cluster.local\n  trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}}\n";
    String server81 = "  - port: {number: 81, name: http-81, protocol: HTTP}\n    hosts: [webapp.example.com]\n---";
    apply(text("webapp").replaceFirst("---", server81).replace("127.0.0.1", "127.0.0.2")
        .replace("- route:\n    - destination:\n        host: httpbin", "- timeout: 1s\n    route:\n    - destination:\n        host: httpbin") + dr);
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) order.add(TypeUrls.shortName(c.next().getTypeUrl()));
    assertThat(order).containsExactly("CDS", "EDS", "LDS", "RDS");
  }

  @Test
  void endpointOnlyChangePushesOnlyTheChangedAssignments() throws Exception {
    String base = text("bookinfo");
    apply(base);
    AdsClient c = connect(SIDECAR);
    syncFully(c);
    barrier(c);
    long cdsBefore = metrics.pushes("CDS");
    apply(base.replace("10.0.0.23", "10.0.0.99"));
    DiscoveryResponse eds = c.next();
    assertThat(eds.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
    List<String> names = new ArrayList<>();
    for (var a : eds.getResourcesList()) names.add(a.unpack(ClusterLoadAssignment.class).getClusterName());
    assertThat(names).containsExactlyInAnyOrder("outbound|9080||reviews.default.svc.cluster.local", "outbound|9080|v3|reviews.default.svc.cluster.local");
    c.subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
    assertThat(c.next().getTypeUrl()).as("nothing but EDS was pushed").isEqualTo(TypeUrls.DEBUG_SYNCZ);
    assertThat(metrics.pushes("CDS")).isEqualTo(cdsBefore);
  }

  /**
   * Waits until pilot's xDS executor has finished everything it did for {@code c} so far (push counters
   * are incremented there right after a response is handed to gRPC, so a client can see a response first).
   */
  private static void barrier(AdsClient c) throws Exception {
    c.subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
    assertThat(c.next().getTypeUrl()).isEqualTo(TypeUrls.DEBUG_SYNCZ);
  }

  @Test
  void workloadEntryEditPushesOnlyTheChangedAssignmentsToSidecarsAndGateways() throws Exception {
    // The scale bench's endpoint change: ServiceEntry + WorkloadEntries, subsets, a mesh- and gateway-bound
    // VirtualService; the edited WorkloadEntry comes back later in the config, as a rewritten file would.
    String base = io.minimesh.pilot.scale.ScaleMesh.yaml(3, null);
    apply(base);
    AdsClient gw = connect(io.minimesh.pilot.scale.ScaleMesh.gateway(0));
    AdsClient sc = connect(io.minimesh.pilot.scale.ScaleMesh.sidecar(1, 0));
    syncFully(gw);
    syncFully(sc);
    barrier(gw);
    barrier(sc);
    long cds = metrics.pushes("CDS");
    long lds = metrics.pushes("LDS");
    long rds = metrics.pushes("RDS");
    apply(io.minimesh.pilot.scale.ScaleMesh.yaml(3, "10.200.1.101"));
    String all = "outbound|9080||svc-0.default.svc.cluster.local";
    String v1 = "outbound|9080|v1|svc-0.default.svc.cluster.local";
    // The gateway only holds the clusters its routes reference: the subsets.
    for (var c : java.util.Map.of(gw, List.of(v1), sc, List.of(all, v1)).entrySet()) {
      DiscoveryResponse eds = c.getKey().next();
      assertThat(eds.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      List<String> names = new ArrayList<>();
      for (var a : eds.getResourcesList()) names.add(a.unpack(ClusterLoadAssignment.class).getClusterName());
      assertThat(names).containsExactlyInAnyOrderElementsOf(c.getValue());
      c.getKey().subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
      assertThat(c.getKey().next().getTypeUrl()).as("nothing but EDS was pushed").isEqualTo(TypeUrls.DEBUG_SYNCZ);
    }
    assertThat(metrics.pushes("CDS")).isEqualTo(cds);
    assertThat(metrics.pushes("LDS")).isEqualTo(lds);
    assertThat(metrics.pushes("RDS")).isEqualTo(rds);
  }

  @Test
  void newServiceSendsAllClustersButOnlyTheNewAssignmentOnceSubscribed() throws Exception {
    // The scale bench's mesh-wide push: a new service. CDS is state of the world (all clusters), but the
    // proxy holds every other assignment already; resending them all was most of the push's bytes.
    apply(io.minimesh.pilot.scale.ScaleMesh.yaml(3, null));
    AdsClient sc = connect(io.minimesh.pilot.scale.ScaleMesh.sidecar(1, 0));
    List<DiscoveryResponse> first = syncFully(sc);
    barrier(sc);
    List<String> edsBefore = edsNames(first.get(0));
    apply(io.minimesh.pilot.scale.ScaleMesh.yaml(4, null));
    DiscoveryResponse cds = sc.next();
    assertThat(cds.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
    List<String> edsAfter = edsNames(cds);
    assertThat(edsAfter).containsAll(edsBefore).hasSize(edsBefore.size() + 1);
    sc.ack(cds, List.of());
    sc.subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
    List<DiscoveryResponse> pushed = untilDebug(sc);
    assertThat(pushed).extracting(r -> TypeUrls.shortName(r.getTypeUrl())).as("no EDS: no watched assignment changed")
        .doesNotContain("EDS");
    // The proxy now watches the new cluster's assignment too: it gets that one alone.
    sc.send(TypeUrls.ENDPOINT, edsAfter, first.get(1).getVersionInfo(), first.get(1).getNonce(), null);
    DiscoveryResponse eds = sc.next();
    assertThat(eds.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
    assertThat(eds.getResourcesList()).extracting(a -> a.unpack(ClusterLoadAssignment.class).getClusterName())
        .containsExactly("outbound|9080||svc-3.default.svc.cluster.local");
  }

  @Test
  void changedClusterIsFollowedByItsAssignmentEvenIfTheAssignmentIsUnchanged() throws Exception {
    String base = text("bookinfo");
    apply(base);
    AdsClient c = connect(SIDECAR);
    syncFully(c);
    barrier(c);
    String dr = "\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: details-pool, namespace: default}\n"
        + "spec:\n  host: details.default.svc.cluster.local\n  trafficPolicy: {connectionPool: {tcp: {maxConnections: 7}}}\n";
    apply(base + dr);
    DiscoveryResponse cds = c.next();
    assertThat(cds.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
    DiscoveryResponse eds = c.next();
    assertThat(eds.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
    // The changed cluster warms until its assignment arrives (Envoy): only that one is sent.
    assertThat(eds.getResourcesList()).extracting(a -> a.unpack(ClusterLoadAssignment.class).getClusterName())
        .containsExactly("outbound|9080||details.default.svc.cluster.local");
  }

  @Test
  void routeEditSendsOnlyTheChangedRouteConfiguration() throws Exception {
    String mesh = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: istio-system}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: 80, name: http-a, protocol: HTTP}
            hosts: [a.example.com]
          - port: {number: 81, name: http-b, protocol: HTTP}
            hosts: [b.example.com]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: backend, namespace: istio-system}
        spec:
          hosts: [backend.example.internal]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 8080, name: http, protocol: HTTP}]
          endpoints: [{address: 10.0.0.1}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: a, namespace: istio-system}
        spec:
          hosts: [a.example.com]
          gateways: [gw]
          http: [{route: [{destination: {host: backend.example.internal}}]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: b, namespace: istio-system}
        spec:
          hosts: [b.example.com]
          gateways: [gw]
          http: [{TIMEOUT route: [{destination: {host: backend.example.internal}}]}]
        """;
    apply(mesh.replace("TIMEOUT ", ""));
    AdsClient c = connect(GATEWAY);
    List<DiscoveryResponse> first = syncFully(c);
    assertThat(first.get(3).getResourcesCount()).isEqualTo(2);
    barrier(c);
    apply(mesh.replace("TIMEOUT ", "timeout: 3s, "));
    DiscoveryResponse rds = c.next();
    assertThat(rds.getTypeUrl()).isEqualTo(TypeUrls.ROUTE);
    assertThat(rds.getResourcesList()).extracting(a -> a.unpack(RouteConfiguration.class).getName()).containsExactly("http.81");
    barrier(c);
    assertThat(c.responses).as("nothing else was pushed").isEmpty();
  }

  private static List<String> edsNames(DiscoveryResponse cds) {
    return cds.getResourcesList().stream().map(AdsProtocolTest::unpackCluster)
        .filter(cl -> cl.getType() == io.minimesh.api.xds.v1.Cluster.DiscoveryType.EDS).map(cl -> cl.getName()).toList();
  }

  /** Responses up to the answer to a debug request sent before (which is not included). */
  private static List<DiscoveryResponse> untilDebug(AdsClient c) throws Exception {
    List<DiscoveryResponse> out = new ArrayList<>();
    for (DiscoveryResponse r = c.next(); !r.getTypeUrl().equals(TypeUrls.DEBUG_SYNCZ); r = c.next()) out.add(r);
    return out;
  }

  @Test
  void rotatedSecretIsPushedAloneAndOnlyTheChangedOne() throws Exception {
    String gw = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: web, namespace: istio-system}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: 443, name: https-a, protocol: HTTPS}
            hosts: [a.example.com]
            tls: {mode: SIMPLE, credentialName: a-cert}
          - port: {number: 443, name: https-b, protocol: HTTPS}
            hosts: [b.example.com]
            tls: {mode: SIMPLE, credentialName: b-cert}
        """;
    String b = TestData.tlsSecret("istio-system", "b-cert", false, "b.example.com");
    apply(gw + "---\n" + TestData.tlsSecret("istio-system", "a-cert", false, "a.example.com") + "---\n" + b);
    AdsClient c = connect(GATEWAY);
    c.subscribe(TypeUrls.LISTENER, List.of());
    DiscoveryResponse lds = c.next();
    assertThat(lds.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    c.ack(lds, List.of());
    List<String> names = List.of("kubernetes://a-cert", "kubernetes://b-cert");
    c.subscribe(TypeUrls.SECRET, names);
    DiscoveryResponse sds = c.next();
    assertThat(sds.getResourcesCount()).isEqualTo(2);
    c.ack(sds, names);
    long ldsPushes = metrics.pushes("LDS");

    apply(gw + "---\n" + TestData.tlsSecret("istio-system", "a-cert", false, "a.example.com") + "---\n" + b);
    DiscoveryResponse rotated = c.next();
    assertThat(rotated.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
    assertThat(rotated.getResourcesList()).extracting(a -> a.unpack(io.minimesh.api.xds.v1.Secret.class).getName())
        .containsExactly("kubernetes://a-cert");
    c.subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
    assertThat(c.next().getTypeUrl()).as("nothing but SDS was pushed").isEqualTo(TypeUrls.DEBUG_SYNCZ);
    assertThat(metrics.pushes("LDS")).isEqualTo(ldsPushes);
  }

  @Test
  void onlyProxiesWhoseConfigChangedGetAPush() throws Exception {
    String base = text("bookinfo");
    apply(base);
    AdsClient gw = connect(GATEWAY.toBuilder().setId("gw-1.istio-system").build());
    AdsClient sc = connect(SIDECAR);
    syncFully(gw);
    syncFully(sc);
    String scNonce = status(SIDECAR.getId(), TypeUrls.ROUTE).getSentNonce();
    // Changes the gateway's VirtualService only.
    apply(base.replace("exact: /login", "exact: /signin"));
    DiscoveryResponse r = gw.next();
    assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.ROUTE);
    sc.subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
    assertThat(sc.next().getTypeUrl()).isEqualTo(TypeUrls.DEBUG_SYNCZ);
    assertThat(status(SIDECAR.getId(), TypeUrls.ROUTE).getSentNonce()).isEqualTo(scNonce);
  }

  @Test
  void namedSubscriptionChangeOnAckSendsTheNewNames() throws Exception {
    apply(text("bookinfo"));
    AdsClient c = connect(SIDECAR);
    c.subscribe(TypeUrls.ENDPOINT, List.of("outbound|9080||details.default.svc.cluster.local"));
    DiscoveryResponse e1 = c.next();
    assertThat(e1.getResourcesCount()).isEqualTo(1);
    List<String> more = List.of("outbound|9080||details.default.svc.cluster.local", "outbound|9080||ratings.default.svc.cluster.local");
    c.ack(e1, more);
    DiscoveryResponse e2 = c.next();
    // Only the newly watched assignment: the proxy keeps the one it has (named types are merged).
    assertThat(e2.getResourcesList()).extracting(a -> a.unpack(ClusterLoadAssignment.class).getClusterName())
        .containsExactly("outbound|9080||ratings.default.svc.cluster.local");
  }

  @Test
  void reconnectedProxyGetsItsFullStateAgain() throws Exception {
    apply(text("webapp"));
    AdsClient c1 = connect(GATEWAY);
    List<DiscoveryResponse> first = syncFully(c1);
    c1.close();
    org.awaitility.Awaitility.await().until(() -> xds.connections().isEmpty());
    AdsClient c2 = connect(GATEWAY);
    // A restarted proxy or pilot: the client reports the version it holds; the server answers anyway.
    c2.send(TypeUrls.CLUSTER, List.of(), first.get(0).getVersionInfo(), "", null);
    DiscoveryResponse cds = c2.next();
    assertThat(cds.getVersionInfo()).isEqualTo(first.get(0).getVersionInfo());
    assertThat(cds.getResourcesCount()).isEqualTo(first.get(0).getResourcesCount());
    assertThat(xds.connections()).hasSize(1);
  }

  @Test
  void requestCarryingANonceFromAPreviousPilotIsAnsweredAsANewSubscription() throws Exception {
    apply(text("webapp"));
    AdsClient c = connect(GATEWAY);
    c.send(TypeUrls.CLUSTER, List.of(), "old-version", "nonce-of-a-dead-pilot", null);
    DiscoveryResponse cds = c.next();
    assertThat(cds.getResourcesCount()).isEqualTo(2);
    c.ack(cds, List.of());
    org.awaitility.Awaitility.await().until(() -> status("gw-1.istio-system", TypeUrls.CLUSTER).getStatus().equals("SYNCED"));
  }

  @Test
  void debugTypesAnswerOnTheSameStream() throws Exception {
    apply(text("webapp"));
    AdsClient proxy = connect(GATEWAY);
    syncFully(proxy);
    AdsClient tool = connect(Node.newBuilder().setId("meshctl").build());
    tool.subscribe(TypeUrls.DEBUG_SYNCZ, List.of());
    DiscoveryResponse syncz = tool.next();
    SyncStatus s = syncz.getResources(0).unpack(SyncStatus.class);
    assertThat(s.getProxyId()).isEqualTo("gw-1.istio-system");
    assertThat(s.getTypesList()).extracting(TypeSyncStatus::getStatus).containsOnly("SYNCED", "NOT SENT");
    tool.subscribe(TypeUrls.DEBUG_CONFIG_DUMP, List.of("gw-1.istio-system"));
    DebugConfigDump d = tool.next().getResources(0).unpack(DebugConfigDump.class);
    assertThat(d.getConfigDump().getListenersList()).extracting(l -> l.getListener().getName()).containsExactly("0.0.0.0_80");
    assertThat(d.getConfigDump().getRouteConfigsList()).extracting(r -> r.getVersionInfo()).containsExactly(status("gw-1.istio-system", TypeUrls.ROUTE).getSentVersion());
    tool.subscribe(TypeUrls.DEBUG_CONNECTIONS, List.of());
    assertThat(tool.next().getResourcesCount()).as("debug clients are not proxies").isEqualTo(1);
  }

  @Test
  void streamWithoutNodeIsRefused() throws Exception {
    AdsClient c = connect(Node.getDefaultInstance());
    c.subscribe(TypeUrls.CLUSTER, List.of());
    org.awaitility.Awaitility.await().until(() -> c.error != null);
    assertThat(c.error).hasMessageContaining("node.id");
  }
}
