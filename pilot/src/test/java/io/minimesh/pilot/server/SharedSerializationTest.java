package io.minimesh.pilot.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.monitoring.PilotMetrics;
import io.minimesh.pilot.scale.ScaleMesh;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Replicas with the same config get the same serialized resources: encoded once, not per stream. */
class SharedSerializationTest {
  private final DiscoveryServer xds = new DiscoveryServer(Clock.systemUTC(), System::nanoTime, new PilotMetrics(), "pilot-test");

  @AfterEach
  void stop() {
    xds.shutdown();
  }

  private static final class Recorder implements StreamObserver<Object> {
    final BlockingQueue<Object> got = new LinkedBlockingQueue<>();

    @Override
    public void onNext(Object v) {
      got.add(v);
    }

    @Override
    public void onError(Throwable t) {
      got.add(t);
    }

    @Override
    public void onCompleted() {}

    SerializedResponse next() throws InterruptedException {
      Object v = got.poll(10, TimeUnit.SECONDS);
      assertThat(v).isInstanceOf(SerializedResponse.class);
      return (SerializedResponse) v;
    }
  }

  private Recorder subscribeClusters(Node node) {
    Recorder r = new Recorder();
    StreamObserver<DiscoveryRequest> in = xds.stream(r);
    in.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build());
    return r;
  }

  @Test
  void replicasShareOneEncodingOfTheirClusters() throws Exception {
    xds.update(PushContext.build(ScaleMesh.snapshot(5, null)), System.nanoTime());
    SerializedResponse a = subscribeClusters(ScaleMesh.sidecar(1, 0)).next();
    SerializedResponse b = subscribeClusters(ScaleMesh.sidecar(1, 1)).next();
    SerializedResponse other = subscribeClusters(ScaleMesh.sidecar(2, 0)).next();
    assertThat(b.resources()).isSameAs(a.resources());
    assertThat(other.resources()).isNotSameAs(a.resources());
    // On the wire: a complete DiscoveryResponse, with each stream's own nonce.
    DiscoveryResponse ra = DiscoveryResponse.parseFrom(concat(a));
    DiscoveryResponse rb = DiscoveryResponse.parseFrom(concat(b));
    assertThat(ra.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
    assertThat(ra.getNonce()).isNotEqualTo(rb.getNonce());
    assertThat(ra.getVersionInfo()).isEqualTo(rb.getVersionInfo()).isNotEmpty();
    List<String> names = ra.getResourcesList().stream().map(x -> unpack(x).getName()).toList();
    assertThat(names).contains("outbound|9080||svc-0.default.svc.cluster.local", "BlackHoleCluster");
    assertThat(ra.getControlPlane().getIdentifier()).isEqualTo("pilot-test");
  }

  private static byte[] concat(SerializedResponse s) {
    byte[] out = new byte[s.head().length + s.resources().length];
    System.arraycopy(s.head(), 0, out, 0, s.head().length);
    System.arraycopy(s.resources(), 0, out, s.head().length, s.resources().length);
    return out;
  }

  private static Cluster unpack(com.google.protobuf.Any a) {
    try {
      return a.unpack(Cluster.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
