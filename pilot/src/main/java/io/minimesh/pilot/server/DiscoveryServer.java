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
 * whose generated content changed; EDS and SDS pushes carry only the changed resources. All connection state
 * is owned by one executor thread; gRPC threads only hand requests over.
 */
public final class DiscoveryServer extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
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
      ctx = next;
      List<Connection> all = new ArrayList<>(connections.values());
      pregenerator.generateAll(next, all.stream().map(c -> c.proxy).toList());
      for (Connection c : all) pushTo(c, pushStartNanos);
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

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
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
      c.resources = generate(c, null);
      LOG.info("xds: {} connected ({} {}, {})", c.node.getId(), c.proxy.type(), c.proxy.labels(), c.id);
    }
    Connection.Watch w = c.watch(type);
    Set<String> names = new LinkedHashSet<>(req.getResourceNamesList());
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
      if (!TypeUrls.isWildcardType(type) && !names.equals(w.names)) {
        w.names = names;
        send(c, type, false, 0);
      }
      return;
    }
    w.subscribed = true;
    w.names = names;
    send(c, type, false, 0);
  }

  private ProxyResources generate(Connection c, ProxyResources previous) {
    try {
      return ConfigGenerator.generate(ctx, c.proxy);
    } catch (RuntimeException e) {
      // Keep the proxy on its last good config rather than push something half-built.
      LOG.error("xds: generating config for {} failed; keeping its previous config", c.node.getId(), e);
      return previous != null ? previous : ConfigGenerator.generate(PushContext.empty(), c.proxy);
    }
  }

  private void pushTo(Connection c, long pushStart) {
    if (c.closed) return;
    ProxyResources next = generate(c, c.resources);
    c.resources = next;
    boolean cdsSent = false;
    boolean ldsSent = false;
    for (String type : TypeUrls.PUSH_ORDER) {
      Connection.Watch w = c.watches.get(type);
      if (w == null || !w.subscribed) continue;
      boolean changed = !Objects.equals(next.version(type), w.sentVersion);
      // An updated cluster warms until its endpoints arrive again, so a CDS push is followed by a full
      // EDS push; likewise routes follow listeners (Istio does the same).
      boolean follow = (type.equals(TypeUrls.ENDPOINT) && cdsSent) || (type.equals(TypeUrls.ROUTE) && ldsSent);
      if (!changed && !follow) continue;
      // Endpoints and secrets are named subscriptions the proxy merges: send only what changed, so a
      // rotated certificate travels alone.
      boolean incremental = (type.equals(TypeUrls.ENDPOINT) && !cdsSent) || type.equals(TypeUrls.SECRET);
      boolean sent = send(c, type, incremental, pushStart);
      if (type.equals(TypeUrls.CLUSTER)) cdsSent = sent;
      if (type.equals(TypeUrls.LISTENER)) ldsSent = sent;
    }
  }

  /** Sends the type's resources; incremental: only those whose content changed since last sent. */
  private boolean send(Connection c, String type, boolean incremental, long pushStart) {
    Connection.Watch w = c.watch(type);
    Map<String, Resource> all = c.resources.of(type);
    List<Resource> chosen = new ArrayList<>();
    boolean wildcard = TypeUrls.isWildcardType(type) && (w.names.isEmpty() || w.names.contains("*"));
    if (wildcard) {
      chosen.addAll(all.values());
    } else {
      for (String n : w.names) {
        Resource r = all.get(n);
        if (r != null) chosen.add(r);
      }
    }
    if (incremental) {
      chosen.removeIf(r -> r.hash().equals(w.sentHashes.get(r.name())));
      if (chosen.isEmpty()) {
        w.sentVersion = c.resources.version(type);
        return false;
      }
    }
    String nonce = Long.toString(nonces.incrementAndGet(), 36) + "-" + c.id;
    DiscoveryResponse.Builder resp = DiscoveryResponse.newBuilder()
        .setTypeUrl(type).setVersionInfo(c.resources.version(type)).setNonce(nonce)
        .setControlPlane(ControlPlane.newBuilder().setIdentifier(instance));
    for (Resource r : chosen) resp.addResources(r.any());
    try {
      c.out.onNext(resp.build());
    } catch (RuntimeException e) {
      LOG.debug("xds: send to {} failed: {}", c.node.getId(), e.toString());
      close(c);
      return false;
    }
    if (!incremental) w.sentHashes = new HashMap<>();
    for (Resource r : chosen) w.sentHashes.put(r.name(), r.hash());
    w.sentVersion = c.resources.version(type);
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
