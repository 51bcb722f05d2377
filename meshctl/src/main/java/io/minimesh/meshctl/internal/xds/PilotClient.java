package io.minimesh.meshctl.internal.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.api.xds.v1.DebugConfigDump;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.meshctl.MeshctlException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks pilot for its debug views over the ADS stream (one short stream per question), as the
 * contract describes: syncz, per-proxy config dump, connections.
 */
public final class PilotClient implements AutoCloseable {
  /** Node metadata key marking a debug client, so pilot can leave it out of its proxy lists. */
  public static final String DEBUG_CLIENT_METADATA = "DEBUG_CLIENT";

  private final String address;
  private final Duration timeout;
  private final ManagedChannel channel;
  private final Node node;
  private volatile String controlPlaneId = "";

  public PilotClient(String address, Duration timeout) {
    this.address = address;
    this.timeout = timeout;
    this.channel =
        NettyChannelBuilder.forTarget(stripScheme(address))
            .usePlaintext()
            .maxInboundMessageSize(256 * 1024 * 1024)
            .build();
    this.node =
        Node.newBuilder()
            .setId("meshctl-" + UUID.randomUUID().toString().substring(0, 8) + ".debug")
            .putMetadata(DEBUG_CLIENT_METADATA, "meshctl")
            .build();
  }

  public String address() {
    return address;
  }

  /** The identifier pilot put in its last response's control_plane (its name and version), or "". */
  public String controlPlaneId() {
    return controlPlaneId;
  }

  public List<SyncStatus> syncz() {
    return unpack(request(TypeUrls.DEBUG_SYNCZ, List.of()), SyncStatus.class);
  }

  public List<ConnectedProxy> connections() {
    return unpack(request(TypeUrls.DEBUG_CONNECTIONS, List.of()), ConnectedProxy.class);
  }

  /** What pilot generated for the proxy, or empty when pilot does not know it. */
  public Optional<DebugConfigDump> configDump(String proxyId) {
    DiscoveryResponse r;
    try {
      r = request(TypeUrls.DEBUG_CONFIG_DUMP, List.of(proxyId));
    } catch (MeshctlException e) {
      if (e.getCause() instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
    List<DebugConfigDump> dumps = unpack(r, DebugConfigDump.class);
    for (DebugConfigDump d : dumps) {
      if (d.getProxyId().isEmpty() || d.getProxyId().equals(proxyId)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  private DiscoveryResponse request(String typeUrl, List<String> names) {
    CompletableFuture<DiscoveryResponse> result = new CompletableFuture<>();
    ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> observer =
        new ClientResponseObserver<>() {
          private ClientCallStreamObserver<DiscoveryRequest> requests;

          @Override
          public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requestStream) {
            this.requests = requestStream;
          }

          @Override
          public void onNext(DiscoveryResponse value) {
            if (value.getTypeUrl().equals(typeUrl) && result.complete(value)) {
              // One answer is all we wanted: end the stream politely.
              requests.onCompleted();
            }
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            result.completeExceptionally(
                Status.UNAVAILABLE
                    .withDescription("pilot closed the stream without answering " + typeUrl)
                    .asRuntimeException());
          }
        };
    var stream =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .streamAggregatedResources(observer);
    stream.onNext(
        DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).addAllResourceNames(names).build());
    try {
      DiscoveryResponse r = result.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      if (r.hasControlPlane()) {
        controlPlaneId = r.getControlPlane().getIdentifier();
      }
      return r;
    } catch (ExecutionException e) {
      throw translate(e.getCause(), typeUrl);
    } catch (TimeoutException e) {
      stream.onError(Status.CANCELLED.withDescription("timeout").asRuntimeException());
      throw new MeshctlException(
          "pilot at " + address + " did not answer " + typeUrl + " within " + timeout.toMillis() + "ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MeshctlException("interrupted");
    }
  }

  private MeshctlException translate(Throwable t, String typeUrl) {
    Status s = Status.fromThrowable(t);
    return switch (s.getCode()) {
      case UNAVAILABLE ->
          new MeshctlException(
              "cannot reach pilot at " + address + " (set --xds-address or MESHCTL_XDS_ADDRESS)", t);
      case DEADLINE_EXCEEDED ->
          new MeshctlException(
              "pilot at " + address + " did not answer " + typeUrl + " within " + timeout.toMillis() + "ms", t);
      case UNIMPLEMENTED ->
          new MeshctlException(
              "pilot at " + address + " does not serve the debug type " + typeUrl + ": " + s.getDescription(), t);
      default ->
          new MeshctlException(
              "pilot at " + address + " rejected the " + typeUrl + " request: " + s.getCode()
                  + (s.getDescription() == null ? "" : ": " + s.getDescription()), t);
    };
  }

  private static <T extends Message> List<T> unpack(DiscoveryResponse r, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (Any any : r.getResourcesList()) {
      try {
        out.add(any.unpack(type));
      } catch (InvalidProtocolBufferException e) {
        throw new MeshctlException(
            "pilot sent a " + any.getTypeUrl() + " where " + type.getSimpleName() + " was expected");
      }
    }
    return out;
  }

  static String stripScheme(String address) {
    String a = address.trim();
    int i = a.indexOf("://");
    if (i >= 0) {
      a = a.substring(i + 3);
    }
    if (a.endsWith("/")) {
      a = a.substring(0, a.length() - 1);
    }
    return a;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
