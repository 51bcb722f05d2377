package io.minimesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-process ADS server the test drives by hand: it records requests and sends what it is told. */
final class FakeAds extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
  final BlockingQueue<DiscoveryRequest> requests = new LinkedBlockingQueue<>();
  final AtomicInteger streams = new AtomicInteger();
  private volatile StreamObserver<DiscoveryResponse> current;
  private final String name;
  private Server server;

  FakeAds(String name) {
    this.name = name;
  }

  FakeAds start() throws IOException {
    server = InProcessServerBuilder.forName(name).directExecutor().addService(this).build().start();
    return this;
  }

  void stop() {
    if (server != null) server.shutdownNow();
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> responses) {
    current = responses;
    streams.incrementAndGet();
    return new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryRequest r) {
        requests.add(r);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  void send(String typeUrl, String version, String nonce, Message... resources) {
    DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder()
        .setTypeUrl(typeUrl).setVersionInfo(version).setNonce(nonce);
    for (Message m : resources) b.addResources(Any.pack(m, "type.googleapis.com"));
    current.onNext(b.build());
  }

  /** Fails the current stream as a restarting pilot would. */
  void breakStream() {
    current.onError(Status.UNAVAILABLE.withDescription("pilot going away").asRuntimeException());
  }

  /** The next request, waiting up to 5 s. */
  DiscoveryRequest next() throws InterruptedException {
    DiscoveryRequest r = requests.poll(5, TimeUnit.SECONDS);
    assertThat(r).as("a request from the client").isNotNull();
    return r;
  }

  /** Asserts that no request arrives within a short grace period. */
  void assertNoRequest() throws InterruptedException {
    assertThat(requests.poll(200, TimeUnit.MILLISECONDS)).as("no further request").isNull();
  }
}
