package io.minimesh.bench;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Node;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated proxy on an ADS stream: subscribes to CDS and LDS with a wildcard, then to the EDS and
 * RDS names they reference, and ACKs every response at once, as Envoy and the Minimesh proxy do. It
 * counts the serialized bytes it receives and reports when a watched token first arrives.
 */
final class XdsSimClient {
  /** A change under measurement: the first response of {@code type} containing {@code token}. */
  record Probe(String type, byte[] token, long armedNanos, long[] convergedNanos) {
    static Probe of(String type, String token, int clients) {
      long[] t = new long[clients];
      java.util.Arrays.fill(t, -1);
      return new Probe(type, token.getBytes(StandardCharsets.UTF_8), System.nanoTime(), t);
    }

    int converged() {
      int n = 0;
      synchronized (this) {
        for (long v : convergedNanos) if (v >= 0) n++;
      }
      return n;
    }
  }

  private final int index;
  private final Node node;
  private final ManagedChannel channel;
  private final AtomicLong bytes = new AtomicLong();
  private final Map<String, Set<String>> names = new HashMap<>();
  private final Map<String, String> lastNonce = new HashMap<>();
  private final Map<String, String> ackedVersion = new HashMap<>();
  private final Set<String> receivedEds = new HashSet<>();
  private final Set<String> receivedRds = new HashSet<>();
  private volatile Probe probe;
  private volatile long completeNanos = -1;
  private volatile String error;
  private StreamObserver<DiscoveryRequest> requests;

  XdsSimClient(int index, Node node, ManagedChannel channel) {
    this.index = index;
    this.node = node;
    this.channel = channel;
  }

  synchronized void start() {
    requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse r) {
        handle(r);
      }

      @Override
      public void onError(Throwable t) {
        error = t.toString();
      }

      @Override
      public void onCompleted() {
        error = "stream completed by pilot";
      }
    });
    // Envoy's order on a new stream: clusters first, then listeners.
    request(TypeUrls.CLUSTER, true);
    request(TypeUrls.LISTENER, false);
  }

  long bytes() {
    return bytes.get();
  }

  /** Bytes received by all simulated proxies, per type (LDS, RDS, ...), to see what a push consists of. */
  static final Map<String, AtomicLong> BYTES_BY_TYPE = new java.util.concurrent.ConcurrentSkipListMap<>();

  static Map<String, Long> bytesByType() {
    Map<String, Long> m = new java.util.TreeMap<>();
    BYTES_BY_TYPE.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** When every subscribed type had arrived and been ACKed, or -1. */
  long completeNanos() {
    return completeNanos;
  }

  String error() {
    return error;
  }

  void watch(Probe p) {
    probe = p;
  }

  void close() {
    synchronized (this) {
      try {
        requests.onCompleted();
      } catch (RuntimeException ignored) {
        // the channel is going away anyway
      }
    }
  }

  private void request(String type, boolean withNode) {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setTypeUrl(type)
        .addAllResourceNames(names.getOrDefault(type, Set.of()))
        .setVersionInfo(ackedVersion.getOrDefault(type, ""))
        .setResponseNonce(lastNonce.getOrDefault(type, ""));
    if (withNode) b.setNode(node);
    requests.onNext(b.build());
  }

  private synchronized void handle(DiscoveryResponse r) {
    int size = r.getSerializedSize();
    bytes.addAndGet(size);
    BYTES_BY_TYPE.computeIfAbsent(TypeUrls.shortName(r.getTypeUrl()), k -> new AtomicLong()).addAndGet(size);
    String type = r.getTypeUrl();
    lastNonce.put(type, r.getNonce());
    ackedVersion.put(type, r.getVersionInfo());
    // ACK first, with the subscription unchanged, as a proxy does once the resources are applied.
    request(type, false);
    long ackedAt = System.nanoTime();
    Probe p = probe;
    if (p != null && p.type().equals(type) && contains(r.getResourcesList(), p.token())) {
      synchronized (p) {
        if (p.convergedNanos()[index] < 0) p.convergedNanos()[index] = ackedAt - p.armedNanos();
      }
    }
    try {
      if (type.equals(TypeUrls.CLUSTER)) resubscribe(TypeUrls.ENDPOINT, edsNames(r.getResourcesList()));
      else if (type.equals(TypeUrls.LISTENER)) resubscribe(TypeUrls.ROUTE, rdsNames(r.getResourcesList()));
      else if (type.equals(TypeUrls.ENDPOINT)) r.getResourcesList().forEach(a -> receivedEds.add(name(a)));
      else if (type.equals(TypeUrls.ROUTE)) r.getResourcesList().forEach(a -> receivedRds.add(name(a)));
    } catch (InvalidProtocolBufferException e) {
      error = "bad " + TypeUrls.shortName(type) + " resource: " + e.getMessage();
    }
    if (completeNanos < 0 && ackedVersion.containsKey(TypeUrls.CLUSTER) && ackedVersion.containsKey(TypeUrls.LISTENER)
        && receivedEds.containsAll(names.getOrDefault(TypeUrls.ENDPOINT, Set.of()))
        && receivedRds.containsAll(names.getOrDefault(TypeUrls.ROUTE, Set.of()))) {
      completeNanos = ackedAt;
    }
  }

  private void resubscribe(String type, Set<String> wanted) {
    if (wanted.equals(names.getOrDefault(type, Set.of()))) return;
    names.put(type, wanted);
    request(type, false);
  }

  /** The resource's name without parsing it all: field 1 of Cluster/Listener/RouteConfiguration/CLA is its name. */
  private static String name(Any a) {
    try {
      var in = a.getValue().newCodedInput();
      for (int tag; (tag = in.readTag()) != 0; ) {
        if (tag == (1 << 3 | 2)) return in.readStringRequireUtf8();
        in.skipField(tag);
      }
    } catch (java.io.IOException e) {
      return "";
    }
    return "";
  }

  /**
   * EDS names of the clusters, reading only name (1), type (2) and eds_cluster_config.service_name (6.1):
   * parsing whole clusters made the simulator, which shares the machine with pilot, a large CPU user.
   */
  private static Set<String> edsNames(List<Any> clusters) throws InvalidProtocolBufferException {
    Set<String> out = new TreeSet<>();
    try {
      for (Any a : clusters) {
        var in = a.getValue().newCodedInput();
        String name = "";
        String service = "";
        int type = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
          switch (tag) {
            case 1 << 3 | 2 -> name = in.readStringRequireUtf8();
            case 2 << 3 -> type = in.readEnum();
            case 6 << 3 | 2 -> {
              var eds = in.readBytes().newCodedInput();
              for (int t; (t = eds.readTag()) != 0; ) {
                if (t == (1 << 3 | 2)) service = eds.readStringRequireUtf8();
                else eds.skipField(t);
              }
            }
            default -> in.skipField(tag);
          }
        }
        if (type != Cluster.DiscoveryType.EDS_VALUE) continue;
        out.add(service.isEmpty() ? name : service);
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (java.io.IOException e) {
      throw new InvalidProtocolBufferException(e.getMessage());
    }
    return out;
  }

  private static Set<String> rdsNames(List<Any> listeners) throws InvalidProtocolBufferException {
    Set<String> out = new TreeSet<>();
    for (Any a : listeners) {
      Listener l = a.unpack(Listener.class);
      List<FilterChain> chains = new java.util.ArrayList<>(l.getFilterChainsList());
      if (l.hasDefaultFilterChain()) chains.add(l.getDefaultFilterChain());
      for (FilterChain fc : chains) {
        for (NetworkFilter f : fc.getFiltersList()) {
          if (f.hasHttpConnectionManager() && f.getHttpConnectionManager().hasRds()) {
            out.add(f.getHttpConnectionManager().getRds().getRouteConfigName());
          }
        }
      }
    }
    return out;
  }

  private static boolean contains(List<Any> resources, byte[] token) {
    for (Any a : resources) {
      if (indexOf(a.getValue(), token) >= 0) return true;
    }
    return false;
  }

  static int indexOf(ByteString hay, byte[] needle) {
    int n = hay.size() - needle.length;
    outer:
    for (int i = 0; i <= n; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay.byteAt(i + j) != needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }
}
