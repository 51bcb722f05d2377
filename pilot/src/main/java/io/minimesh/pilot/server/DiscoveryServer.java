package io.minimesh.pilot.server;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.ClusterDump;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.api.xds.v1.ControlPlane;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.DebugConfigDump;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.EndpointDump;
import io.minimesh.api.xds.v1.ListenerDump;
import io.minimesh.api.xds.v1.RouteConfigDump;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.SecretDump;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.api.xds.v1.TypeSyncStatus;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.monitoring.PilotMetrics;
import io.minimesh.pilot.xds.ConfigGenerator;
import io.minimesh.pilot.xds.EndpointUpdate;
import io.minimesh.pilot.xds.Pregenerator;
import io.minimesh.pilot.xds.Proxy;
import io.minimesh.pilot.xds.ProxyResources;
import io.minimesh.pilot.xds.Resource;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ADS server: state of the world per type (wildcard LDS/CDS, named RDS/EDS/SDS), ACK/NACK tracking,
 * stale nonces ignored, pushes in make-before-break order (SDS, CDS, EDS, LDS, RDS) and only for types
 * whose generated content changed; EDS, RDS and SDS responses carry only the resources the stream does not
 * hold yet at that content (plus, after a CDS push, the assignments of new or changed clusters). All connection state
 * is owned by one executor thread; gRPC threads only hand requests over.
 */
public final class DiscoveryServer implements io.grpc.BindableService {
  private static final Logger LOG = LoggerFactory.getLogger(DiscoveryServer.class);
  private static final Set<String> DEBUG_TYPES = Set.of(TypeUrls.DEBUG_SYNCZ, TypeUrls.DEBUG_CONFIG_DUMP, TypeUrls.DEBUG_CONNECTIONS);

  private final ExecutorService executor;
  /** Generates distinct proxies' configs in parallel before a push sends them in order. */
  private final ForkJoinPool generators = new ForkJoinPool(Runtime.getRuntime().availableProcessors(), pool -> {
    ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
    t.setName("pilot-generate-" + t.getPoolIndex());
    return t;
  }, null, false);
  private final Pregenerator pregenerator = new Pregenerator(generators);
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final PilotMetrics metrics;
  private final String instance;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong nonces = new AtomicLong();
  /** Executor-owned. */
  private final Map<String, Connection> connections = new LinkedHashMap<>();
  /** Executor-owned: connections waiting for a config being generated, by config key. */
  private final Map<Object, List<Connection>> generating = new HashMap<>();
  /** Executor-owned, during a push: see {@link #diff}. */
  private final Map<Map<String, Resource>, Map<Map<String, Resource>, Set<String>>> diffs = new java.util.IdentityHashMap<>();
  private volatile PushContext ctx = PushContext.empty();
  private volatile int connectedCount;

  public DiscoveryServer(Clock clock, LongSupplier nanoTime, PilotMetrics metrics, String instance) {
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.metrics = metrics;
    this.instance = instance;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "pilot-xds");
      t.setDaemon(true);
      return t;
    });
    metrics.connectedProxies(() -> connectedCount);
  }

  public PushContext context() {
    return ctx;
  }

  /** Installs a new context and pushes what changed to every proxy. */
  public void update(PushContext next, long pushStartNanos) {
    executor.execute(() -> {
      PushContext prev = ctx;
      ctx = next;
      List<Connection> all = new ArrayList<>(connections.values());
      EndpointUpdate endpointsOnly = EndpointUpdate.between(prev, next);
      if (endpointsOnly != null) {
        // Only instances changed: derive each config from the previous one instead of translating again.
        for (Connection c : all) {
          if (c.resources == null || c.resourcesCtx != prev) continue;
          try {
            endpointsOnly.apply(c.proxy, c.resources);
          } catch (RuntimeException e) {
            // the push below generates it again and reports the failure
          }
        }
      } else {
        pregenerator.generateAll(next, all.stream().map(c -> c.proxy).toList());
      }
      try {
        for (Connection c : all) pushTo(c, pushStartNanos);
      } finally {
        diffs.clear();
      }
    });
  }

  public void shutdown() {
    executor.execute(() -> {
      for (Connection c : connections.values()) {
        try {
          c.out.onError(Status.UNAVAILABLE.withDescription("pilot shutting down").asRuntimeException());
        } catch (RuntimeException ignored) {
          // stream already gone
        }
      }
      connections.clear();
    });
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    generators.shutdownNow();
  }

  /** The ADS service with a response marshaller that sends pre-serialized resources as they are. */
  @Override
  public io.grpc.ServerServiceDefinition bindService() {
    var generated = AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod();
    io.grpc.MethodDescriptor<DiscoveryRequest, Object> method =
        generated.toBuilder(generated.getRequestMarshaller(), new SerializedResponse.Marshaller()).build();
    return io.grpc.ServerServiceDefinition.builder(AggregatedDiscoveryServiceGrpc.SERVICE_NAME)
        .addMethod(method, io.grpc.stub.ServerCalls.asyncBidiStreamingCall(this::stream))
        .build();
  }

  /** One ADS stream answered with DiscoveryResponse messages (for callers outside gRPC). */
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
    return stream(new StreamObserver<>() {
      @Override
      public void onNext(Object v) {
        if (v instanceof DiscoveryResponse r) {
          out.onNext(r);
          return;
        }
        SerializedResponse s = (SerializedResponse) v;
        try {
          out.onNext(DiscoveryResponse.newBuilder().mergeFrom(s.head()).mergeFrom(s.resources()).build());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        out.onError(t);
      }

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    });
  }

  /** One ADS stream; responses are DiscoveryResponse or SerializedResponse. */
  StreamObserver<DiscoveryRequest> stream(StreamObserver<Object> out) {
    String peer = PEER.get() == null ? "" : PEER.get();
    Connection conn = new Connection("conn-" + ids.incrementAndGet(), peer, clock.instant(), out);
    return new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryRequest req) {
        executor.execute(() -> {
          try {
            handle(conn, req);
          } catch (RuntimeException e) {
            LOG.error("xds: request from {} failed", conn.node == null ? conn.id : conn.node.getId(), e);
          }
        });
      }

      @Override
      public void onError(Throwable t) {
        executor.execute(() -> close(conn));
      }

      @Override
      public void onCompleted() {
        executor.execute(() -> {
          close(conn);
          try {
            out.onCompleted();
          } catch (RuntimeException ignored) {
            // already cancelled
          }
        });
      }
    };
  }

  static final Context.Key<String> PEER = Context.key("minimesh-peer");

  /** Puts the peer address into the gRPC Context so the stream knows who it talks to. */
  public static io.grpc.ServerInterceptor peerInterceptor() {
    return new io.grpc.ServerInterceptor() {
      @Override
      public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
          io.grpc.ServerCallHandler<Q, R> next) {
        var a = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        Context ctx = Context.current().withValue(PEER, a == null ? "" : a.toString().replaceFirst("^/", ""));
        return io.grpc.Contexts.interceptCall(ctx, call, headers, next);
      }
    };
  }

  private void close(Connection c) {
    if (c.closed) return;
    c.closed = true;
    if (c.registered && connections.remove(c.id) != null) {
      connectedCount = connections.size();
      LOG.info("xds: {} disconnected ({})", c.node.getId(), c.id);
    }
  }

  private void handle(Connection c, DiscoveryRequest req) {
    if (c.closed) return;
    if (c.pending != null) {
      c.pending.add(req); // answered in order once its config is generated
      return;
    }
    if (c.node == null && req.hasNode()) c.node = req.getNode();
    String type = req.getTypeUrl();
    if (DEBUG_TYPES.contains(type)) {
      if (req.getResponseNonce().isEmpty()) debug(c, req);
      return;
    }
    if (c.node == null || c.node.getId().isEmpty()) {
      c.closed = true;
      c.out.onError(Status.INVALID_ARGUMENT.withDescription("the first request of a stream must carry node.id").asRuntimeException());
      return;
    }
    if (!type.equals(TypeUrls.LISTENER) && !type.equals(TypeUrls.CLUSTER) && !type.equals(TypeUrls.ROUTE)
        && !type.equals(TypeUrls.ENDPOINT) && !type.equals(TypeUrls.SECRET)) {
      LOG.warn("xds: {} asked for unknown type {}", c.node.getId(), type);
      return;
    }
    if (!c.registered) {
      c.proxy = Proxy.fromNode(c.node);
      c.registered = true;
      connections.put(c.id, c);
      connectedCount = connections.size();
      LOG.info("xds: {} connected ({} {}, {})", c.node.getId(), c.proxy.type(), c.proxy.labels(), c.id);
      Object key = ConfigGenerator.configKey(c.proxy);
      if (!ctx.isCached(key)) {
        // A config nobody has yet: translate it on the generator pool, so that the proxies connecting at
        // once are translated in parallel (each distinct config once) and the others are served meanwhile.
        c.pending = new ArrayList<>(List.of(req));
        List<Connection> waiting = generating.get(key);
        if (waiting != null) {
          waiting.add(c);
          return;
        }
        generating.put(key, new ArrayList<>(List.of(c)));
        PushContext at = ctx;
        try {
          generators.execute(() -> {
            try {
              ConfigGenerator.generate(at, c.proxy);
            } catch (RuntimeException e) {
              // generated again, and reported, when the streams resume
            }
            executor.execute(() -> {
              List<Connection> done = generating.remove(key);
              if (done != null) done.forEach(this::resume);
            });
          });
          return;
        } catch (java.util.concurrent.RejectedExecutionException e) {
          generating.remove(key); // shutting down: generate here
          c.pending = null;
        }
      }
      c.resources = generate(c, null);
    }
    Connection.Watch w = c.watch(type);
    List<String> requested = req.getResourceNamesList();
    String nonce = req.getResponseNonce();
    // A nonce on a type this stream never answered comes from a previous stream (proxy reconnected,
    // or pilot restarted): treat it as a new subscription, or the proxy would wait forever.
    if (!nonce.isEmpty() && w.sentNonce != null) {
      if (!nonce.equals(w.sentNonce)) {
        // A reply to a response we have since superseded: the newer one is on its way.
        metrics.expiredNonce(TypeUrls.shortName(type));
        return;
      }
      if (req.hasErrorDetail()) {
        w.error = req.getErrorDetail().getMessage();
        w.errorNonce = nonce;
        metrics.reject(TypeUrls.shortName(type));
        LOG.warn("xds: {} rejected {} version {}: {}", c.node.getId(), TypeUrls.shortName(type), w.sentVersion, w.error);
        return;
      }
      w.ackedNonce = nonce;
      w.ackedVersion = req.getVersionInfo();
      w.ackedTime = clock.instant();
      w.error = null;
      w.errorNonce = null;
      if (!w.convergenceRecorded && w.pushStartNanos != 0) {
        metrics.convergence((nanoTime.getAsLong() - w.pushStartNanos) / 1e9);
        w.convergenceRecorded = true;
      }
      if (!TypeUrls.isWildcardType(type) && !requested.equals(w.requested)) {
        w.requested = List.copyOf(requested);
        Set<String> names = new LinkedHashSet<>(requested);
        if (!names.equals(w.names)) {
          // The proxy keeps what it holds of the names it still watches and dropped the others: send only
          // the names it did not have (1 new assignment, not all 1001, when a cluster is added).
          Set<String> added = new java.util.TreeSet<>(names);
          added.removeAll(w.names);
          w.names = names;
          send(c, type, added, 0);
        }
      }
      return;
    }
    w.subscribed = true;
    w.requested = List.copyOf(requested);
    w.names = new LinkedHashSet<>(requested);
    send(c, type, null, 0);
  }

  /** The connection's config in the current context; sets {@code c.resourcesCtx} to the context it is of. */
  /** Answers the requests that arrived while the connection's first config was being generated. */
  private void resume(Connection c) {
    List<DiscoveryRequest> reqs = c.pending;
    c.pending = null;
    if (c.closed || reqs == null) return;
    if (c.resources == null) c.resources = generate(c, null);
    for (DiscoveryRequest r : reqs) handle(c, r);
  }

  private ProxyResources generate(Connection c, ProxyResources previous) {
    try {
      ProxyResources r = ConfigGenerator.generate(ctx, c.proxy);
      c.resourcesCtx = ctx;
      return r;
    } catch (RuntimeException e) {
      // Keep the proxy on its last good config rather than push something half-built.
      LOG.error("xds: generating config for {} failed; keeping its previous config", c.node.getId(), e);
      c.resourcesCtx = null;
      return previous != null ? previous : ConfigGenerator.generate(PushContext.empty(), c.proxy);
    }
  }

  private void pushTo(Connection c, long pushStart) {
    if (c.closed) return;
    ProxyResources next = generate(c, c.resources);
    c.resources = next;
    Set<String> changedClusters = Set.of();
    for (String type : TypeUrls.PUSH_ORDER) {
      Connection.Watch w = c.watches.get(type);
      if (w == null || !w.subscribed) continue;
      boolean changed = !Objects.equals(next.version(type), w.sentVersion);
      // A new or changed EDS cluster warms until its assignment arrives, so it is sent after a CDS push
      // even when the assignment itself is unchanged (Envoy; docs/xds-protocol.md "Warming").
      boolean follow = type.equals(TypeUrls.ENDPOINT) && !changedClusters.isEmpty();
      if (!changed && !follow) continue;
      if (TypeUrls.isWildcardType(type)) {
        // CDS and LDS are state of the world: all of them, every time.
        Map<String, Resource> before = w.synced;
        boolean sent = send(c, type, null, pushStart);
        if (sent && type.equals(TypeUrls.CLUSTER)) changedClusters = diff(before, next.of(type));
      } else {
        // Named types (EDS, RDS, SDS) are merged by the proxy: only what changed travels, so an endpoint
        // edit sends one assignment and a route edit the route configurations it touched.
        Set<String> names = diff(w.synced, next.of(type));
        if (type.equals(TypeUrls.ENDPOINT) && !changedClusters.isEmpty()) {
          names = new java.util.TreeSet<>(names);
          names.addAll(changedClusters);
        }
        send(c, type, names, pushStart);
      }
    }
  }

  /**
   * Names whose resource in {@code after} is new or differs from {@code before}, sorted. Memoized per
   * pair of maps during a push: proxies with the same config share their maps, so 200 proxies of 20
   * workloads cost 20 comparisons, not 200.
   */
  private Set<String> diff(Map<String, Resource> before, Map<String, Resource> after) {
    if (before == null) return after.keySet();
    return diffs.computeIfAbsent(before, k -> new java.util.IdentityHashMap<>()).computeIfAbsent(after, k -> {
      Set<String> out = new java.util.TreeSet<>();
      after.forEach((n, r) -> {
        Resource old = before.get(n);
        if (old != r && (old == null || !old.hash().equals(r.hash()))) out.add(n);
      });
      return out;
    });
  }

  /**
   * Sends the type's resources: all of them ({@code only} null; for a named type, all the proxy watches)
   * or only those named (and watched); nothing if that is none.
   */
  private boolean send(Connection c, String type, Set<String> only, long pushStart) {
    Connection.Watch w = c.watch(type);
    java.util.SortedMap<String, Resource> all = c.resources.of(type);
    List<Resource> chosen = new ArrayList<>();
    boolean wildcard = TypeUrls.isWildcardType(type) && (w.names.isEmpty() || w.names.contains("*"));
    if (only != null) {
      for (String n : only) {
        Resource r = all.get(n);
        if (r != null && (wildcard || w.names.contains(n))) chosen.add(r);
      }
    } else if (wildcard) {
      chosen.addAll(all.values());
    } else {
      for (String n : w.names) {
        Resource r = all.get(n);
        if (r != null) chosen.add(r);
      }
    }
    String version = c.resources.version(type);
    if (only != null && chosen.isEmpty()) {
      w.sentVersion = version;
      w.synced = all;
      return false;
    }
    String nonce = Long.toString(nonces.incrementAndGet(), 36) + "-" + c.id;
    DiscoveryResponse head = DiscoveryResponse.newBuilder()
        .setTypeUrl(type).setVersionInfo(version).setNonce(nonce)
        .setControlPlane(ControlPlane.newBuilder().setIdentifier(instance)).build();
    // All of the type (the common case): the bytes shared by every proxy with this config.
    byte[] body = chosen.size() == all.size() ? c.resources.serialized(type) : Resource.concat(chosen);
    try {
      c.out.onNext(SerializedResponse.of(head, body));
    } catch (RuntimeException e) {
      LOG.debug("xds: send to {} failed: {}", c.node.getId(), e.toString());
      close(c);
      return false;
    }
    w.synced = all;
    w.sentVersion = version;
    w.sentNonce = nonce;
    w.sentTime = clock.instant();
    w.pushStartNanos = pushStart != 0 ? pushStart : nanoTime.getAsLong();
    w.convergenceRecorded = false;
    metrics.push(TypeUrls.shortName(type));
    return true;
  }

  // ---------------- debug ----------------

  private void debug(Connection c, DiscoveryRequest req) {
    String type = req.getTypeUrl();
    DiscoveryResponse.Builder resp = DiscoveryResponse.newBuilder().setTypeUrl(type)
        .setNonce(Long.toString(nonces.incrementAndGet(), 36)).setVersionInfo(ctx.configHash())
        .setControlPlane(ControlPlane.newBuilder().setIdentifier(instance));
    switch (type) {
      case TypeUrls.DEBUG_SYNCZ -> syncStatuses().forEach(s -> resp.addResources(Any.pack(s, "type.googleapis.com")));
      case TypeUrls.DEBUG_CONNECTIONS -> connectedProxies().forEach(s -> resp.addResources(Any.pack(s, "type.googleapis.com")));
      default -> {
        for (String id : req.getResourceNamesList()) {
          configDumpOnExecutor(id).ifPresent(d -> resp.addResources(Any.pack(d, "type.googleapis.com")));
        }
      }
    }
    c.out.onNext(resp.build());
  }

  /** Sync status of every connected proxy (thread-safe). */
  public List<SyncStatus> syncz() {
    return onExecutor(this::syncStatuses);
  }

  public List<ConnectedProxy> connections() {
    return onExecutor(this::connectedProxies);
  }

  /** What pilot generated for the proxy with this id (or the first whose id starts with it). */
  public Optional<DebugConfigDump> configDump(String proxyId) {
    return onExecutor(() -> configDumpOnExecutor(proxyId));
  }

  private <T> T onExecutor(java.util.function.Supplier<T> s) {
    try {
      return CompletableFuture.supplyAsync(s, executor).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("debug query failed: " + e, e);
    }
  }

  private List<SyncStatus> syncStatuses() {
    List<SyncStatus> out = new ArrayList<>();
    for (Connection c : connections.values()) {
      SyncStatus.Builder s = SyncStatus.newBuilder().setProxyId(c.node.getId()).setNode(c.node).setPilotInstance(instance);
      for (String type : TypeUrls.PUSH_ORDER) {
        Connection.Watch w = c.watches.get(type);
        TypeSyncStatus.Builder t = TypeSyncStatus.newBuilder().setTypeUrl(type);
        if (w == null || !w.subscribed || w.sentNonce == null) {
          t.setStatus("NOT SENT");
        } else {
          t.setSentVersion(w.sentVersion).setSentNonce(w.sentNonce).setSentTime(ts(w.sentTime));
          if (w.ackedNonce != null) t.setAckedVersion(w.ackedVersion).setAckedNonce(w.ackedNonce).setAckedTime(ts(w.ackedTime));
          if (w.error != null && w.sentNonce.equals(w.errorNonce)) t.setStatus("ERROR").setError(w.error);
          else if (w.sentNonce.equals(w.ackedNonce)) t.setStatus("SYNCED");
          else t.setStatus("STALE");
        }
        s.addTypes(t);
      }
      out.add(s.build());
    }
    return out;
  }

  private List<ConnectedProxy> connectedProxies() {
    List<ConnectedProxy> out = new ArrayList<>();
    for (Connection c : connections.values()) {
      out.add(ConnectedProxy.newBuilder().setNode(c.node).setPeerAddress(c.peer).setConnectedTime(ts(c.connectedAt)).build());
    }
    return out;
  }

  private Optional<DebugConfigDump> configDumpOnExecutor(String proxyId) {
    Connection found = null;
    for (Connection c : connections.values()) {
      if (c.node.getId().equals(proxyId)) found = c;
    }
    if (found == null) {
      for (Connection c : connections.values()) if (c.node.getId().startsWith(proxyId + ".")) found = c;
    }
    if (found == null || found.resources == null) return Optional.empty();
    return Optional.of(DebugConfigDump.newBuilder().setProxyId(found.node.getId()).setConfigDump(dump(found)).build());
  }

  /** The config the proxy should hold: what it subscribed to, at the versions sent, as its /config_dump shows it. */
  private ConfigDump dump(Connection c) {
    ConfigDump.Builder d = ConfigDump.newBuilder();
    for (String type : TypeUrls.PUSH_ORDER) {
      Connection.Watch w = c.watches.get(type);
      String version = w == null || w.sentVersion == null ? "" : w.sentVersion;
      Timestamp updated = w == null || w.sentTime == null ? null : ts(w.sentTime);
      for (Resource r : c.resources.of(type).values()) {
        if (w != null && !TypeUrls.isWildcardType(type) && !w.names.contains(r.name())) continue;
        if (w == null && !TypeUrls.isWildcardType(type)) continue;
        switch (TypeUrls.shortName(type)) {
          case "LDS" -> {
            ListenerDump.Builder b = ListenerDump.newBuilder().setListener((io.minimesh.api.xds.v1.Listener) r.message()).setVersionInfo(version).setState("dynamic_active");
            if (updated != null) b.setLastUpdated(updated);
            d.addListeners(b);
          }
          case "RDS" -> {
            RouteConfigDump.Builder b = RouteConfigDump.newBuilder().setRouteConfig((io.minimesh.api.xds.v1.RouteConfiguration) r.message()).setVersionInfo(version).setState("dynamic_active");
            if (updated != null) b.setLastUpdated(updated);
            d.addRouteConfigs(b);
          }
          case "CDS" -> {
            ClusterDump.Builder b = ClusterDump.newBuilder().setCluster((io.minimesh.api.xds.v1.Cluster) r.message()).setVersionInfo(version).setState("dynamic_active");
            if (updated != null) b.setLastUpdated(updated);
            d.addClusters(b);
          }
          case "EDS" -> {
            EndpointDump.Builder b = EndpointDump.newBuilder().setEndpointConfig((io.minimesh.api.xds.v1.ClusterLoadAssignment) r.message()).setVersionInfo(version).setState("dynamic_active");
            if (updated != null) b.setLastUpdated(updated);
            d.addEndpoints(b);
          }
          case "SDS" -> {
            Secret s = (Secret) r.message();
            if (s.hasTlsCertificate()) {
              s = s.toBuilder().setTlsCertificate(s.getTlsCertificate().toBuilder()
                  .setPrivateKey(DataSource.newBuilder().setInlineString("[redacted]"))).build();
            }
            SecretDump.Builder b = SecretDump.newBuilder().setSecret(s).setVersionInfo(version).setState("dynamic_active");
            if (updated != null) b.setLastUpdated(updated);
            d.addSecrets(b);
          }
          default -> {}
        }
      }
    }
    return d.build();
  }

  private static Timestamp ts(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
