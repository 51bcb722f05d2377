package io.minimesh.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.Rds;
import io.minimesh.api.xds.v1.RouteConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulated proxy against a scripted ADS server: subscriptions, ACKs with nonces, completion, probes. */
class XdsSimClientTest {
  final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger nonces = new AtomicInteger();
  volatile StreamObserver<DiscoveryResponse> out;
  Server server;
  ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = "ads-" + System.nanoTime();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> o) {
            out = o;
            return new StreamObserver<>() {
              @Override
              public void onNext(DiscoveryRequest r) {
                requests.add(r);
                if (!r.getResponseNonce().isEmpty()) return; // an ACK
                answer(r);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                o.onCompleted();
              }
            };
          }
        }).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  /** First request of a type: CDS with two EDS clusters, LDS with one RDS listener, EDS/RDS by name. */
  private void answer(DiscoveryRequest r) {
    DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo("v1")
        .setNonce("n" + nonces.incrementAndGet());
    String type = r.getTypeUrl();
    if (type.equals(TypeUrls.CLUSTER)) {
      b.addResources(Any.pack(Cluster.newBuilder().setName("a").setType(Cluster.DiscoveryType.EDS).build(), "type.googleapis.com"));
      b.addResources(Any.pack(Cluster.newBuilder().setName("b").setType(Cluster.DiscoveryType.EDS).build(), "type.googleapis.com"));
      b.addResources(Any.pack(Cluster.newBuilder().setName("s").setType(Cluster.DiscoveryType.STATIC).build(), "type.googleapis.com"));
    } else if (type.equals(TypeUrls.LISTENER)) {
      b.addResources(Any.pack(Listener.newBuilder().setName("l").addFilterChains(FilterChain.newBuilder()
          .addFilters(NetworkFilter.newBuilder().setHttpConnectionManager(HttpConnectionManager.newBuilder()
              .setRds(Rds.newBuilder().setRouteConfigName("80"))))).build(), "type.googleapis.com"));
    } else if (type.equals(TypeUrls.ENDPOINT)) {
      for (String n : r.getResourceNamesList()) {
        b.addResources(Any.pack(ClusterLoadAssignment.newBuilder().setClusterName(n).build(), "type.googleapis.com"));
      }
    } else if (type.equals(TypeUrls.ROUTE)) {
      for (String n : r.getResourceNamesList()) {
        b.addResources(Any.pack(RouteConfiguration.newBuilder().setName(n).build(), "type.googleapis.com"));
      }
    }
    out.onNext(b.build());
  }

  @Test
  void subscribesLikeEnvoyAcksEveryResponseAndCompletes() {
    XdsSimClient c = new XdsSimClient(0, Node.newBuilder().setId("p.default").build(), channel);
    c.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> c.completeNanos() >= 0);
    assertThat(c.error()).isNull();
    assertThat(requests.get(0).getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
    assertThat(requests.get(0).getNode().getId()).isEqualTo("p.default");
    assertThat(requests).filteredOn(r -> r.getTypeUrl().equals(TypeUrls.ENDPOINT) && r.getResponseNonce().isEmpty())
        .singleElement().satisfies(r -> assertThat(r.getResourceNamesList()).containsExactly("a", "b"));
    assertThat(requests).filteredOn(r -> r.getTypeUrl().equals(TypeUrls.ROUTE) && r.getResponseNonce().isEmpty())
        .singleElement().satisfies(r -> assertThat(r.getResourceNamesList()).containsExactly("80"));
    // Every response (four types) ACKed with its nonce and version.
    assertThat(requests).filteredOn(r -> !r.getResponseNonce().isEmpty()).hasSize(4)
        .allSatisfy(r -> assertThat(r.getVersionInfo()).isEqualTo("v1"));
    assertThat(c.bytes()).isPositive();
  }

  @Test
  void probeRecordsTheFirstResponseCarryingTheToken() {
    XdsSimClient c = new XdsSimClient(1, Node.newBuilder().setId("p.default").build(), channel);
    c.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> c.completeNanos() >= 0);
    XdsSimClient.Probe p = XdsSimClient.Probe.of(TypeUrls.ENDPOINT, "10.200.1.101", 2);
    c.watch(p);
    out.onNext(DiscoveryResponse.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).setVersionInfo("v2").setNonce("x1")
        .addResources(Any.pack(ClusterLoadAssignment.newBuilder().setClusterName("a").build(), "type.googleapis.com")).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> requests.stream().anyMatch(r -> r.getResponseNonce().equals("x1")));
    assertThat(p.converged()).isZero();
    out.onNext(DiscoveryResponse.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).setVersionInfo("v3").setNonce("x2")
        .addResources(Any.pack(ClusterLoadAssignment.newBuilder().setClusterName("a")
            .addEndpoints(io.minimesh.api.xds.v1.LocalityLbEndpoints.newBuilder().addLbEndpoints(
                io.minimesh.api.xds.v1.LbEndpoint.newBuilder().setEndpoint(io.minimesh.api.xds.v1.Endpoint.newBuilder()
                    .setAddress(io.minimesh.api.xds.v1.Address.newBuilder().setSocketAddress(
                        io.minimesh.api.xds.v1.SocketAddress.newBuilder().setAddress("10.200.1.101").setPortValue(80))))))
            .build(), "type.googleapis.com")).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> p.converged() == 1);
    assertThat(p.convergedNanos()[1]).isNotNegative();
    assertThat(p.convergedNanos()[0]).isEqualTo(-1);
  }

  @Test
  void indexOfFindsTokensInsideSerializedBytes() {
    var hay = com.google.protobuf.ByteString.copyFromUtf8("xx10.200.1.101yy");
    assertThat(XdsSimClient.indexOf(hay, "10.200.1.101".getBytes())).isEqualTo(2);
    assertThat(XdsSimClient.indexOf(hay, "10.200.1.102".getBytes())).isEqualTo(-1);
  }
}
