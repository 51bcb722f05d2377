package io.minimesh.pilot.server;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test ADS client on a real gRPC channel: sends requests, queues responses. */
final class AdsClient implements AutoCloseable {
  final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
  volatile Throwable error;
  volatile boolean completed;
  private final StreamObserver<DiscoveryRequest> requests;
  private final Node node;
  private boolean first = true;

  AdsClient(ManagedChannel channel, Node node) {
    this.node = node;
    this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse r) {
        responses.add(r);
      }

      @Override
      public void onError(Throwable t) {
        error = t;
      }

      @Override
      public void onCompleted() {
        completed = true;
      }
    });
  }

  synchronized void send(String type, List<String> names, String version, String nonce, String error) {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNames(names)
        .setVersionInfo(version).setResponseNonce(nonce);
    if (first) {
      b.setNode(node);
      first = false;
    }
    if (error != null) b.setErrorDetail(Status.newBuilder().setCode(3).setMessage(error));
    requests.onNext(b.build());
  }

  void subscribe(String type, List<String> names) {
    send(type, names, "", "", null);
  }

  void ack(DiscoveryResponse r, List<String> names) {
    send(r.getTypeUrl(), names, r.getVersionInfo(), r.getNonce(), null);
  }

  void nack(DiscoveryResponse r, String previousVersion, List<String> names, String why) {
    send(r.getTypeUrl(), names, previousVersion, r.getNonce(), why);
  }

  DiscoveryResponse next() throws InterruptedException {
    return next(Duration.ofSeconds(10));
  }

  DiscoveryResponse next(Duration timeout) throws InterruptedException {
    DiscoveryResponse r = responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (r == null) throw new AssertionError("no response within " + timeout + (error != null ? " (stream error " + error + ")" : ""));
    return r;
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // already closed
    }
  }
}
