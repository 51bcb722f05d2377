package io.minimesh.pilot.server;

import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.pilot.xds.Proxy;
import io.minimesh.pilot.xds.ProxyResources;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** One ADS stream. Mutated only on the discovery server's executor. */
final class Connection {
  /** Per-type subscription and sync state. */
  static final class Watch {
    boolean subscribed;
    Set<String> names = Set.of();
    String sentVersion;
    String sentNonce;
    Instant sentTime;
    long pushStartNanos;
    boolean convergenceRecorded;
    String ackedVersion;
    String ackedNonce;
    Instant ackedTime;
    String error;
    String errorNonce;
    /** The names as last requested (to skip re-reading an unchanged list). */
    java.util.List<String> requested = java.util.List.of();
    /**
     * The generated resources the proxy is in sync with: for every watched name it holds this map's
     * resource (what it was last sent, or unchanged since). Null before the first response.
     */
    Map<String, io.minimesh.pilot.xds.Resource> synced;
  }

  final String id;
  final String peer;
  final Instant connectedAt;
  /** DiscoveryResponse or SerializedResponse. */
  final StreamObserver<Object> out;
  final Map<String, Watch> watches = new LinkedHashMap<>();
  Node node;
  Proxy proxy;
  boolean registered;
  boolean closed;
  ProxyResources resources;
  /** Requests received while the first config is generated off the executor (null otherwise). */
  java.util.List<io.minimesh.api.xds.v1.DiscoveryRequest> pending;
  /** The context {@link #resources} were generated in (null: a fallback after a failure). */
  io.minimesh.pilot.model.PushContext resourcesCtx;

  Connection(String id, String peer, Instant connectedAt, StreamObserver<Object> out) {
    this.id = id;
    this.peer = peer;
    this.connectedAt = connectedAt;
    this.out = out;
  }

  Watch watch(String type) {
    return watches.computeIfAbsent(type, t -> new Watch());
  }
}
