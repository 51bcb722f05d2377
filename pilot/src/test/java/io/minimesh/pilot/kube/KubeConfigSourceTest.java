package io.minimesh.pilot.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.minimesh.api.istio.IstioKinds;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterDump;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.EndpointDump;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.ListenerDump;
import io.minimesh.api.xds.v1.Locality;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.api.xds.v1.RouteConfigDump;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.pilot.Golden;
import io.minimesh.pilot.config.MeshSnapshot;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.WorkloadInstance;
import io.minimesh.pilot.monitoring.PilotMetrics;
import io.minimesh.pilot.server.DiscoveryServer;
import io.minimesh.pilot.server.Pilot;
import io.minimesh.pilot.server.Scheduler;
import io.minimesh.pilot.xds.ConfigGenerator;
import io.minimesh.pilot.xds.Proxy;
import io.minimesh.pilot.xds.ProxyResources;
import io.minimesh.testing.TestCerts;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fabric8's mock API server in CRUD mode stands in for the cluster; pilot reads it through informers. */
@EnableKubernetesMockClient(crud = true)
class KubeConfigSourceTest {
  static final KubernetesSerialization K = new KubernetesSerialization();
  static final Node SIDECAR = Node.newBuilder().setId("productpage-v1-123.bookinfo").setNamespace("bookinfo")
      .setProxyType(ProxyType.SIDECAR).putLabels("app", "productpage").addIpAddresses("10.244.1.9")
      .setLocality(Locality.newBuilder().setRegion("eu-west").setZone("eu-west-1a")).build();

  KubernetesClient client;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private KubeConfigSource source;
  private Pilot pilot;
  private DiscoveryServer xds;
  private Server grpc;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) channel.shutdownNow();
    if (grpc != null) grpc.shutdownNow();
    if (xds != null) xds.shutdown();
    if (pilot != null) pilot.close();
    if (source != null) source.close();
    timer.shutdownNow();
  }

  private void apply(String resource) {
    String yaml = Golden.resource(resource);
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.isBlank()) continue;
      HasMetadata o = K.unmarshal(doc);
      if (o.getApiVersion().startsWith(IstioKinds.GROUP + "/")) {
        istio(o.getKind(), o.getMetadata().getNamespace()).resource((GenericKubernetesResource) o).createOr(r -> r.update());
      } else {
        client.resource(o).createOr(r -> r.update());
      }
    }
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList, io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> istio(String kind, String ns) {
    return client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(IstioKinds.KINDS.get(kind))).inNamespace(ns);
  }

  private void startPilot() throws Exception {
    source = new KubeConfigSource(client, KubeOptions.defaults());
    PilotMetrics metrics = new PilotMetrics();
    xds = new DiscoveryServer(Clock.systemUTC(), System::nanoTime, metrics, "pilot-kube-test");
    pilot = new Pilot(source, xds, metrics, Scheduler.of(timer), Duration.ofMillis(10), Duration.ofSeconds(1));
    pilot.start();
    // The server swaps contexts on its own executor.
    await().atMost(Duration.ofSeconds(10)).until(() -> !xds.context().services().isEmpty());
    String name = InProcessServerBuilder.generateName();
    grpc = InProcessServerBuilder.forName(name).directExecutor().addService(xds).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** A proxy's ADS stream: subscribes to every cluster; responses are queued. */
  private BlockingQueue<DiscoveryResponse> connect(Node node) {
    BlockingQueue<DiscoveryResponse> q = new LinkedBlockingQueue<>();
    StreamObserver<DiscoveryRequest> req = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse r) {
        q.add(r);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    req.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build());
    return q;
  }

  private String generated(Node node) {
    ProxyResources r = ConfigGenerator.generate(xds.context(), Proxy.fromNode(node));
    ConfigDump.Builder d = ConfigDump.newBuilder();
    r.of(TypeUrls.LISTENER).values().forEach(x -> d.addListeners(ListenerDump.newBuilder().setListener((Listener) x.message())));
    r.of(TypeUrls.ROUTE).values().forEach(x -> d.addRouteConfigs(RouteConfigDump.newBuilder().setRouteConfig((RouteConfiguration) x.message())));
    r.of(TypeUrls.CLUSTER).values().forEach(x -> d.addClusters(ClusterDump.newBuilder().setCluster((Cluster) x.message())));
    r.of(TypeUrls.ENDPOINT).values().forEach(x -> d.addEndpoints(EndpointDump.newBuilder().setEndpointConfig((ClusterLoadAssignment) x.message())));
    return JsonPrinter.print(d.build()) + "\n";
  }

  private List<WorkloadInstance> instances(String host) {
    return xds.context().instances(host);
  }

  @Test
  void servicesEndpointsAndIstioResourcesBecomeTheProxysConfig() throws Exception {
    apply("kube/cluster.yaml");
    apply("kube/istio.yaml");
    startPilot();
    assertThat(pilot.ready()).isTrue();
    assertThat(xds.context().messages()).isEmpty();

    BlockingQueue<DiscoveryResponse> ads = connect(SIDECAR);
    DiscoveryResponse cds = ads.poll(10, TimeUnit.SECONDS);
    assertThat(cds).isNotNull();
    List<String> clusters = cds.getResourcesList().stream().map(a -> {
      try {
        return a.unpack(Cluster.class).getName();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
    assertThat(clusters).contains("outbound|9080|v1|reviews.bookinfo.svc.cluster.local",
        "outbound|9080|v2|reviews.bookinfo.svc.cluster.local", "outbound|9090||ratings.bookinfo.svc.cluster.local");

    var reviews = xds.context().service("reviews.bookinfo.svc.cluster.local", "bookinfo");
    assertThat(reviews.addresses()).containsExactly("10.96.10.20");
    var ratings = xds.context().service("ratings.bookinfo.svc.cluster.local", "bookinfo");
    assertThat(ratings.ports()).extracting("protocol").containsExactly("GRPC", "HTTP2");
    assertThat(ratings.workloadSelector()).isEqualTo(Map.of("app", "ratings"));
    assertThat(instances("reviews.bookinfo.svc.cluster.local")).extracting(WorkloadInstance::address, WorkloadInstance::locality)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("10.244.1.5", "eu-west/eu-west-1a"),
            org.assertj.core.groups.Tuple.tuple("10.244.1.6", "eu-west/eu-west-1a"));
    assertThat(instances("reviews.bookinfo.svc.cluster.local").get(1).labels()).containsEntry("version", "v2");
    WorkloadInstance rating = instances("ratings.bookinfo.svc.cluster.local").get(0);
    assertThat(rating.locality()).isEqualTo("/us-east-1b");
    assertThat(rating.portFor(ratings.port(9090).orElseThrow())).isEqualTo(7070);

    // An unnamed port whose targetPort is a container port name: the slice says which number.
    var details = xds.context().service("details.bookinfo.svc.cluster.local", "bookinfo");
    assertThat(instances("details.bookinfo.svc.cluster.local").get(0).portFor(details.port(80).orElseThrow())).isEqualTo(9080);

    Golden.assertMatches("kube/productpage-sidecar.json", generated(SIDECAR));
  }

  @Test
  void updatesAndDeletesPropagate() throws Exception {
    apply("kube/cluster.yaml");
    apply("kube/istio.yaml");
    startPilot();
    String host = "reviews.bookinfo.svc.cluster.local";
    assertThat(instances(host)).hasSize(2);

    // An endpoint turns unready, then leaves the slice.
    EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace("bookinfo").withName("reviews-7xk2p").get();
    slice.getEndpoints().get(1).getConditions().setReady(false);
    client.resource(slice).update();
    await().atMost(Duration.ofSeconds(10)).until(() -> !instances(host).get(1).healthy());
    slice = client.discovery().v1().endpointSlices().inNamespace("bookinfo").withName("reviews-7xk2p").get();
    slice.getEndpoints().remove(1);
    client.resource(slice).update();
    await().atMost(Duration.ofSeconds(10)).until(() -> instances(host).size() == 1);

    // Pod labels follow the pod.
    client.pods().inNamespace("bookinfo").withName("reviews-v1-abc").edit(p -> {
      p.getMetadata().getLabels().put("version", "v9");
      return p;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> "v9".equals(instances(host).get(0).labels().get("version")));

    // Istio resources: an edit, then a delete.
    GenericKubernetesResource vs = istio("VirtualService", "bookinfo").withName("reviews").get();
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) vs.getAdditionalProperties().get("spec");
    spec.put("hosts", List.of("reviews", "reviews.example.com"));
    istio("VirtualService", "bookinfo").resource(vs).update();
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.context().virtualServices().stream()
        .anyMatch(r -> r.spec(io.minimesh.api.istio.VirtualServiceSpec.class).hosts.contains("reviews.example.com")));
    istio("VirtualService", "bookinfo").withName("reviews").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.context().virtualServices().isEmpty());

    // The Service goes: so do its host and endpoints.
    client.services().inNamespace("bookinfo").withName("reviews").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.context().service(host, "bookinfo") == null);
    assertThat(instances(host)).isEmpty();
  }

  @Test
  void localRateLimitResourcesAreWatchedToo() throws Exception {
    apply("kube/cluster.yaml");
    startPilot();
    GenericKubernetesResource lrl = (GenericKubernetesResource) K.unmarshal("""
        apiVersion: networking.minimesh.io/v1alpha1
        kind: LocalRateLimit
        metadata: {name: gateway-wide, namespace: istio-system}
        spec:
          workloadSelector: {labels: {istio: ingressgateway}}
          port: 80
          tokenBucket: {maxTokens: 100, tokensPerFill: 100, fillInterval: 1s}
        """);
    client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(
        io.minimesh.api.minimesh.MinimeshKinds.KINDS.get("LocalRateLimit"))).inNamespace("istio-system")
        .resource(lrl).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.context().localRateLimits().stream()
        .anyMatch(r -> r.key().name().equals("gateway-wide")));
  }

  @Test
  void invalidResourceGetsTheDirectoryModeMessage() throws Exception {
    apply("kube/cluster.yaml");
    startPilot();
    apply("kube/istio.yaml");
    GenericKubernetesResource bad = K.unmarshal("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: bad, namespace: bookinfo}
        spec:
          hosts: [reviews]
          http:
          - timeout: forever
            route:
            - destination: {host: reviews}
        """, GenericKubernetesResource.class);
    istio("VirtualService", "bookinfo").resource(bad).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> !xds.context().messages().isEmpty());
    assertThat(xds.context().messages()).extracting(Object::toString).anyMatch(s -> s.startsWith(
        "Error [MM0203] (VirtualService bookinfo/bad kubernetes) spec.http[0].timeout"));
  }

  @Test
  void onlySecretsThatGatewaysReferenceAreWatched() throws Exception {
    apply("kube/cluster.yaml");
    TestCerts.Ca ca = TestCerts.ca("kube-test");
    TestCerts.Pair cert = ca.server("bookinfo.example.com");
    client.resource(new SecretBuilder().withNewMetadata().withName("bookinfo-cert").withNamespace("bookinfo").endMetadata()
        .withType("kubernetes.io/tls").addToStringData("tls.crt", cert.certPem()).addToStringData("tls.key", cert.keyPem()).build()).create();
    client.resource(new SecretBuilder().withNewMetadata().withName("db-password").withNamespace("bookinfo").endMetadata()
        .addToStringData("password", "hunter2").build()).create();
    AtomicReference<MeshSnapshot> last = new AtomicReference<>();
    source = new KubeConfigSource(client, KubeOptions.defaults());
    source.start(last::set);
    assertThat(source.watchedSecrets()).isEmpty();
    assertThat(last.get().secrets()).isEmpty();

    apply("kube/gateway.yaml");
    await().atMost(Duration.ofSeconds(10)).until(() -> last.get().secrets().size() == 1);
    assertThat(last.get().secrets().get(0).name()).isEqualTo("bookinfo-cert");
    assertThat(last.get().secrets().get(0).certChain()).isEqualTo(cert.certPem());
    assertThat(source.watchedSecrets()).containsExactly("bookinfo/bookinfo-cert");
    assertThat(PushContext.build(last.get()).messages()).isEmpty();

    // Rotation reaches pilot; removing the Gateway stops the watch.
    TestCerts.Pair rotated = ca.server("bookinfo.example.com");
    client.secrets().inNamespace("bookinfo").withName("bookinfo-cert").edit(s -> {
      s.setStringData(Map.of("tls.crt", rotated.certPem(), "tls.key", rotated.keyPem()));
      s.setData(null);
      return s;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> rotated.certPem().equals(last.get().secrets().get(0).certChain()));
    istio("Gateway", "bookinfo").withName("bookinfo-gateway").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> last.get().secrets().isEmpty());
    assertThat(source.watchedSecrets()).isEmpty();
  }

  @Test
  void namespaceFilterHidesOtherNamespaces() throws Exception {
    apply("kube/cluster.yaml");
    AtomicReference<MeshSnapshot> last = new AtomicReference<>();
    source = new KubeConfigSource(client, new KubeOptions(java.util.Set.of(), Map.of("istio-injection", "disabled"), null, null));
    source.start(last::set);
    assertThat(last.get().platformServices()).isEmpty();
    client.namespaces().withName("bookinfo").edit(n -> {
      n.getMetadata().getLabels().put("istio-injection", "disabled");
      return n;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> last.get().platformServices().size() == 3);
  }

  @Test
  void referencedSecretNamesFollowIstio() {
    var configs = io.minimesh.pilot.config.ConfigParser.parse("t.yaml", """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ingress}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: 443, name: https, protocol: HTTPS}
            hosts: ["a.example.com"]
            tls: {mode: MUTUAL, credentialName: a-cert}
          - port: {number: 8443, name: https-b, protocol: HTTPS}
            hosts: ["b.example.com"]
            tls: {mode: SIMPLE, credentialNames: [b-rsa, b-ec]}
          - port: {number: 9443, name: tls, protocol: TLS}
            hosts: ["c.example.com"]
            tls: {mode: PASSTHROUGH, credentialName: ignored}
        """, 0).configs();
    assertThat(KubeConfigSource.referencedSecrets(configs))
        .containsExactly("ingress/a-cert", "ingress/a-cert-cacert", "ingress/b-ec", "ingress/b-rsa");
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  static ByteArrayInputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }
}
