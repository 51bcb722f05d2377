package io.minimesh.meshctl;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.api.xds.v1.ControlPlane;
import io.minimesh.api.xds.v1.DebugConfigDump;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.SyncStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A pilot that only answers the debug types, on a real loopback gRPC server. */
final class FakePilot implements AutoCloseable {
  volatile List<SyncStatus> syncz = List.of();
  volatile List<ConnectedProxy> connections = List.of();
  final Map<String, ConfigDump> dumps = new ConcurrentHashMap<>();
  final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  volatile String identifier = "pilot-0.1.0-SNAPSHOT/pilot-7d9f";
  private final AtomicInteger nonce = new AtomicInteger();
  private final Server server;

  FakePilot() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Ads())
            .build()
            .start();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  private final class Ads extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryRequest r) {
          requests.add(r);
          List<? extends Message> resources =
              switch (r.getTypeUrl()) {
                case TypeUrls.DEBUG_SYNCZ -> syncz;
                case TypeUrls.DEBUG_CONNECTIONS -> connections;
                case TypeUrls.DEBUG_CONFIG_DUMP -> {
                  String id = r.getResourceNames(0);
                  ConfigDump d = dumps.get(id);
                  yield d == null ? List.of() : List.of(DebugConfigDump.newBuilder().setProxyId(id).setConfigDump(d).build());
                }
                default -> List.of();
              };
          DiscoveryResponse.Builder b =
              DiscoveryResponse.newBuilder()
                  .setTypeUrl(r.getTypeUrl())
                  .setVersionInfo("debug")
                  .setNonce(String.valueOf(nonce.incrementAndGet()))
                  .setControlPlane(ControlPlane.newBuilder().setIdentifier(identifier));
          resources.forEach(m -> b.addResources(Any.pack(m)));
          responses.onNext(b.build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
