package io.minimesh.pilot.server;

import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.pilot.xds.Proxy;
import io.minimesh.pilot.xds.ProxyResources;
import java.time.Instant;
import java.util.HashMap;
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
    /** name → hash of what the proxy last received (incremental EDS). */
    Map<String, String> sentHashes = new HashMap<>();
  }

  final String id;
  final String peer;
  final Instant connectedAt;
  final StreamObserver<DiscoveryResponse> out;
  final Map<String, Watch> watches = new LinkedHashMap<>();
  Node node;
  Proxy proxy;
  boolean registered;
  boolean closed;
  ProxyResources resources;

  Connection(String id, String peer, Instant connectedAt, StreamObserver<DiscoveryResponse> out) {
    this.id = id;
    this.peer = peer;
    this.connectedAt = connectedAt;
    this.out = out;
  }

  Watch watch(String type) {
    return watches.computeIfAbsent(type, t -> new Watch());
  }
}
