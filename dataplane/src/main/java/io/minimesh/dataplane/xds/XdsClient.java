package io.minimesh.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.AggregatedDiscoveryServiceGrpc;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.DiscoveryRequest;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.SocketAddress;
import io.minimesh.api.xds.v1.Status;
import io.minimesh.dataplane.admin.XdsStatusSource;
import io.minimesh.dataplane.config.ConfigApplier;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.ConfigSnapshot.Resource;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's xDS client: one ADS stream to pilot, Envoy's state-of-the-world semantics
 * (docs/xds-protocol.md). Every accepted response becomes a complete {@link ConfigSnapshot}
 * (bootstrap's static resources plus everything dynamic) handed to the {@link ConfigApplier};
 * a rejection is NACKed with the applier's message and the last good config stays.
 *
 * <p>All state is owned by the {@link XdsScheduler}'s thread; gRPC callbacks hop onto it.
 * {@link #status()} is an immutable value published after every change, safe from any thread.
 */
public final class XdsClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsClient.class);

  /** Minimesh's version, sent in the node of the first request of each stream. */
  public static final String VERSION = "0.1.0";
  static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(500);
  static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(30);
  static final Duration DEFAULT_INITIAL_FETCH_TIMEOUT = Duration.ofSeconds(15);
  private static final int NONCE_MEMORY = 64;

  private static final Map<String, String> STATS_PREFIX = Map.of(
      TypeUrls.CLUSTER, "cluster_manager.cds",
      TypeUrls.ENDPOINT, "cluster_manager.eds",
      TypeUrls.LISTENER, "listener_manager.lds",
      TypeUrls.ROUTE, "http.rds",
      TypeUrls.SECRET, "sds");

  private static final Map<String, Message> PROTOTYPES = Map.of(
      TypeUrls.CLUSTER, Cluster.getDefaultInstance(),
      TypeUrls.ENDPOINT, ClusterLoadAssignment.getDefaultInstance(),
      TypeUrls.LISTENER, Listener.getDefaultInstance(),
      TypeUrls.ROUTE, RouteConfiguration.getDefaultInstance(),
      TypeUrls.SECRET, Secret.getDefaultInstance());

  private final Bootstrap bootstrap;
  private final Node node;
  private final ConfigApplier applier;
  private final StatsRegistry stats;
  private final ManagedChannel channel;
  private final XdsScheduler scheduler;
  private final Backoff backoff;
  private final Duration initialFetchTimeout;
  private final String address;
  private final StatsRegistry.Gauge connectedGauge;
  private final StatsRegistry.Gauge warmingClustersGauge;
  private final StatsRegistry.Gauge warmingListenersGauge;

  // ---- owned by the scheduler thread ----
  private final Map<String, TypeState> types = new LinkedHashMap<>();
  private final ConfigSnapshot statics;
  private State state = State.EMPTY;
  private ConfigSnapshot lastApplied;
  private Stream stream;
  private boolean connected;
  private boolean closed;
  private XdsScheduler.Cancellable reconnectTimer;
  /** Warming resources ("CDS/name") and the timer that activates them anyway. */
  private final Map<String, Warming> warming = new HashMap<>();
  /** Warming resources whose initial_fetch_timeout expired: activate without their dependency. */
  private final Map<String, Message> timedOut = new HashMap<>();
  /** Warming resources the applier rejected on activation: held back until the server changes them. */
  private final Map<String, Message> blocked = new HashMap<>();

  private volatile XdsStatus status;
  private final CompletableFuture<Void> initialized = new CompletableFuture<>();

  /**
   * Creates a client for {@code bootstrap.dynamic_resources.ads_address} over plaintext gRPC
   * (Netty), with its own daemon thread and the system clock. Call {@link #start()} next.
   */
  public static XdsClient create(Bootstrap bootstrap, ConfigApplier applier, StatsRegistry stats) {
    String address = bootstrap.getDynamicResources().getAdsAddress();
    if (address.isEmpty()) throw new IllegalArgumentException("dynamic_resources.ads_address is not set");
    ManagedChannel channel = NettyChannelBuilder.forTarget(address)
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
    Bootstrap withIps = bootstrap;
    if (bootstrap.getNode().getIpAddressesCount() == 0) {
      withIps = bootstrap.toBuilder().setNode(bootstrap.getNode().toBuilder().addAllIpAddresses(localIps())).build();
    }
    return new XdsClient(withIps, applier, stats, channel, XdsScheduler.system(),
        () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * @param channel to pilot; owned (shut down by {@link #close()})
   * @param scheduler owns the client's state, timers and clock; owned (shut down by {@link #close()})
   * @param random jitter source in [0, 1]
   */
  public XdsClient(Bootstrap bootstrap, ConfigApplier applier, StatsRegistry stats, ManagedChannel channel,
      XdsScheduler scheduler, DoubleSupplier random) {
    this.bootstrap = Objects.requireNonNull(bootstrap);
    this.applier = Objects.requireNonNull(applier);
    this.stats = Objects.requireNonNull(stats);
    this.channel = Objects.requireNonNull(channel);
    this.scheduler = Objects.requireNonNull(scheduler);
    this.node = completeNode(bootstrap);
    var dr = bootstrap.getDynamicResources();
    this.address = dr.getAdsAddress();
    this.backoff = new Backoff(
        dr.hasReconnectBaseInterval() ? toDuration(dr.getReconnectBaseInterval()) : DEFAULT_BACKOFF_BASE,
        dr.hasReconnectMaxInterval() ? toDuration(dr.getReconnectMaxInterval()) : DEFAULT_BACKOFF_MAX,
        random);
    this.initialFetchTimeout =
        dr.hasInitialFetchTimeout() ? toDuration(dr.getInitialFetchTimeout()) : DEFAULT_INITIAL_FETCH_TIMEOUT;
    for (String url : TypeUrls.PUSH_ORDER) types.put(url, new TypeState(url, stats));
    this.connectedGauge = stats.gauge("control_plane.connected_state");
    this.warmingClustersGauge = stats.gauge("cluster_manager.warming_clusters");
    this.warmingListenersGauge = stats.gauge("listener_manager.total_listeners_warming");
    // Static resources exactly as the runtime already holds them, so they compare equal across updates.
    ConfigSnapshot current = applier.current();
    this.statics = staticsOf(current != null ? current : ConfigSnapshot.fromBootstrap(bootstrap, scheduler.now()));
    this.lastApplied = current;
    publish();
  }

  /** Opens the ADS stream (asynchronously); reconnects on its own until {@link #close()}. */
  public void start() {
    scheduler.execute(() -> {
      updateSubscriptions(); // static listeners/clusters may need RDS/EDS/SDS from the start
      publish();
      if (!initialFetchTimeout.isZero()) {
        scheduler.schedule(initialFetchTimeout, () -> {
          if (initialized.complete(null)) log.warn("initial xDS fetch not complete after {} ms; serving what we have",
              initialFetchTimeout.toMillis());
        });
      }
      connect();
    });
  }

  /**
   * Completes once the first clusters and listeners were applied and none is warming (Envoy's
   * end of initialization), or when initial_fetch_timeout expires first: the proxy's /ready can
   * wait on it.
   */
  public CompletableFuture<Void> initialized() {
    return initialized;
  }

  /** This client as the runtime's {@code /xds_status} source ({@code ProxyRuntime.setXdsStatusSource}). */
  public XdsStatusSource asStatusSource() {
    return () -> {
      XdsStatus s = status;
      List<XdsStatusSource.TypeStatus> list = new ArrayList<>();
      for (XdsStatus.TypeStatus t : s.types()) {
        list.add(new XdsStatusSource.TypeStatus(t.type(), t.typeUrl(), t.version(), t.updateSuccess(),
            t.updateRejected(), t.lastError(), t.lastUpdate()));
      }
      return new XdsStatusSource.Status(s.address(), s.connected(), list);
    };
  }

  /** The latest status; safe from any thread. */
  public XdsStatus status() {
    return status;
  }

  /** {@code GET /xds_status}'s body. */
  public String statusJson() {
    return status.toJson();
  }

  /** The node sent to pilot. */
  public Node node() {
    return node;
  }

  @Override
  public void close() {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    try {
      scheduler.execute(() -> {
        closed = true;
        if (reconnectTimer != null) reconnectTimer.cancel();
        warming.values().forEach(w -> w.timer.cancel());
        warming.clear();
        if (stream != null) stream.cancel();
        stream = null;
        setConnected(false);
        publish();
        done.countDown();
      });
      // Let the cleanup run before the scheduler stops (bounded: close may be called from anywhere).
      done.await(2, java.util.concurrent.TimeUnit.SECONDS);
    } catch (RejectedExecutionException e) {
      // already closed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.shutdownNow();
    scheduler.shutdown();
  }

  // ------------------------------------------------------------------ stream

  private void connect() {
    reconnectTimer = null;
    if (closed) return;
    channel.resetConnectBackoff(); // our backoff governs retries, not the channel's
    Stream s = new Stream();
    stream = s;
    s.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse r) {
        hop(() -> onResponse(s, r));
      }

      @Override
      public void onError(Throwable t) {
        hop(() -> onStreamClosed(s, t));
      }

      @Override
      public void onCompleted() {
        hop(() -> onStreamClosed(s, null));
      }
    });
    // Resubscribe to everything with the versions already applied, so pilot can skip what we have.
    for (TypeState t : types.values()) {
      t.nonce = "";
      if (t.wildcard || !t.names.isEmpty()) send(t, t.version, "", null);
    }
  }

  private void hop(Runnable r) {
    try {
      scheduler.execute(r);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void onStreamClosed(Stream s, Throwable error) {
    if (s != stream) return;
    stream = null;
    setConnected(false);
    if (closed) return;
    Duration delay = backoff.next();
    log.warn("xDS stream to {} closed{}; reconnecting in {} ms", address,
        error == null ? "" : " (" + io.grpc.Status.fromThrowable(error) + ")", delay.toMillis());
    reconnectTimer = scheduler.schedule(delay, this::connect);
    publish();
  }

  private void setConnected(boolean c) {
    connected = c;
    connectedGauge.set(c ? 1 : 0);
  }

  private void send(TypeState t, String version, String nonce, String error) {
    if (stream == null) return;
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
        .setTypeUrl(t.typeUrl)
        .setVersionInfo(version)
        .setResponseNonce(nonce)
        .addAllResourceNames(t.names);
    if (!stream.sentNode) {
      b.setNode(node);
      stream.sentNode = true;
    }
    if (error != null) b.setErrorDetail(Status.newBuilder().setCode(io.grpc.Status.Code.INVALID_ARGUMENT.value()).setMessage(error));
    stream.requests.onNext(b.build());
  }

  // ------------------------------------------------------------------ responses

  private void onResponse(Stream s, DiscoveryResponse r) {
    if (closed || s != stream) return; // a response of a stream we gave up on
    if (!connected) {
      setConnected(true);
      publish();
    }
    backoff.reset();
    TypeState t = types.get(r.getTypeUrl());
    if (t == null) {
      log.warn("ignoring xDS response of unknown type {}", r.getTypeUrl());
      return;
    }
    if (!r.getNonce().isEmpty() && !s.nonces.add(r.getNonce())) {
      log.debug("ignoring {} response with stale nonce {}", t.shortName, r.getNonce());
      return;
    }
    t.nonce = r.getNonce();
    t.attempt.inc();
    Instant now = scheduler.now();
    State next;
    try {
      Map<String, Message> decoded = decode(t, r);
      next = applyWithFallback(candidate(t, decoded, r.getVersionInfo(), now), state);
    } catch (InvalidConfigException e) {
      t.rejected.inc();
      t.lastError = e.getMessage();
      log.warn("{} update {} rejected: {}", t.shortName, r.getVersionInfo(), e.getMessage());
      countPerRouteConfig(t, r, "update_rejected");
      publish(); // before the request, so whoever sees the NACK sees the status too
      send(t, t.version, r.getNonce(), e.getMessage()); // NACK: the last good version stays
      return;
    }
    state = next;
    t.version = r.getVersionInfo();
    t.success.inc();
    countPerRouteConfig(t, r, "update_success");
    t.lastError = "";
    t.lastUpdate = now;
    rearmWarming();
    Set<String> resubscribe = updateSubscriptions();
    publish();
    // Like Envoy: requests for newly referenced RDS/EDS/SDS names go out before the ACK.
    for (String url : resubscribe) send(types.get(url), types.get(url).version, types.get(url).nonce, null);
    send(t, t.version, t.nonce, null);
  }

  private static Map<String, Message> decode(TypeState t, DiscoveryResponse r) throws InvalidConfigException {
    Message proto = PROTOTYPES.get(t.typeUrl);
    Map<String, Message> out = new LinkedHashMap<>();
    for (int i = 0; i < r.getResourcesCount(); i++) {
      Any any = r.getResources(i);
      if (!any.getTypeUrl().equals(t.typeUrl)) {
        throw new InvalidConfigException(t.shortName + " response: resource " + i + " has type " + any.getTypeUrl());
      }
      Message m;
      try {
        m = proto.getParserForType().parseFrom(any.getValue());
      } catch (InvalidProtocolBufferException e) {
        throw new InvalidConfigException(t.shortName + " response: resource " + i + " cannot be decoded: " + e.getMessage());
      }
      String name = nameOf(m);
      if (name.isEmpty()) throw new InvalidConfigException(t.shortName + " response: resource " + i + " has no name");
      if (out.put(name, m) != null) {
        throw new InvalidConfigException(kind(t.typeUrl) + " \"" + name + "\": sent twice in one response");
      }
    }
    return out;
  }

  /** The state a response would lead to (not applied yet). */
  private State candidate(TypeState t, Map<String, Message> decoded, String version, Instant now)
      throws InvalidConfigException {
    Map<String, ? extends Resource<? extends Message>> staticOfType = staticMap(t.typeUrl);
    for (String name : decoded.keySet()) {
      if (staticOfType.containsKey(name)) {
        throw new InvalidConfigException(kind(t.typeUrl) + " \"" + name
            + "\": a static resource of the same name exists (static resources cannot be replaced over xDS)");
      }
    }
    Map<String, Map<String, Resource<Message>>> received = new HashMap<>(state.received);
    Map<String, Resource<Message>> old = state.of(t.typeUrl);
    Map<String, Resource<Message>> merged = new LinkedHashMap<>();
    if (!t.wildcard) {
      // RDS/EDS/SDS: only the resources sent change (endpoint-only pushes are incremental).
      merged.putAll(old);
    }
    for (Map.Entry<String, Message> e : decoded.entrySet()) {
      if (!t.wildcard && !t.names.contains(e.getKey())) {
        log.debug("ignoring unrequested {} resource {}", t.shortName, e.getKey());
        continue;
      }
      Resource<Message> prev = old.get(e.getKey());
      // Unchanged resources keep their version and time, so the runtime can tell what changed.
      merged.put(e.getKey(), prev != null && prev.value().equals(e.getValue())
          ? prev
          : new Resource<>(e.getValue(), version, now, false));
    }
    received.put(t.typeUrl, merged);
    if (t.typeUrl.equals(TypeUrls.CLUSTER) || t.typeUrl.equals(TypeUrls.LISTENER)) {
      // A resource the server changed is no longer the one that failed to activate.
      String prefix = t.shortName + "/";
      blocked.entrySet().removeIf(b -> b.getKey().startsWith(prefix)
          && !Objects.equals(value(merged.get(b.getKey().substring(prefix.length()))), b.getValue()));
    }
    return activate(prune(received), state);
  }

  /** Drops RDS/EDS/SDS resources nothing refers to any more. */
  private Map<String, Map<String, Resource<Message>>> prune(Map<String, Map<String, Resource<Message>>> received) {
    Refs refs = refs(received, state);
    Map<String, Map<String, Resource<Message>>> out = new HashMap<>(received);
    out.put(TypeUrls.ROUTE, retain(received.get(TypeUrls.ROUTE), refs.routes));
    out.put(TypeUrls.ENDPOINT, retain(received.get(TypeUrls.ENDPOINT), refs.endpoints));
    out.put(TypeUrls.SECRET, retain(received.get(TypeUrls.SECRET), refs.secrets));
    return out;
  }

  private static Map<String, Resource<Message>> retain(Map<String, Resource<Message>> m, Set<String> names) {
    Map<String, Resource<Message>> out = new LinkedHashMap<>();
    if (m != null) m.forEach((k, v) -> {
      if (names.contains(k)) out.put(k, v);
    });
    return out;
  }

  /**
   * Which received clusters and listeners are active: a new or changed EDS cluster waits for its
   * ClusterLoadAssignment, a listener for its RouteConfigurations (or their initial_fetch_timeout);
   * meanwhile the previous version, if any, keeps serving.
   */
  private State activate(Map<String, Map<String, Resource<Message>>> received, State base) {
    Map<String, Resource<Message>> eps = received.getOrDefault(TypeUrls.ENDPOINT, Map.of());
    Map<String, Resource<Message>> routes = received.getOrDefault(TypeUrls.ROUTE, Map.of());
    // A listener or cluster referencing an SDS secret warms until the secret arrives (Envoy).
    Set<String> secrets = new java.util.HashSet<>(received.getOrDefault(TypeUrls.SECRET, Map.of()).keySet());
    secrets.addAll(statics.secrets().keySet());
    Map<String, Resource<Message>> clusters = activateType("CDS", received.getOrDefault(TypeUrls.CLUSTER, Map.of()),
        base.activeClusters, c -> {
          String eds = ResourceRefs.edsName((Cluster) c);
          return (eds == null || eps.containsKey(eds)) && secrets.containsAll(ResourceRefs.secretNames((Cluster) c));
        });
    Map<String, Resource<Message>> listeners = activateType("LDS", received.getOrDefault(TypeUrls.LISTENER, Map.of()),
        base.activeListeners, l -> routes.keySet().containsAll(ResourceRefs.routeNames((Listener) l))
            && secrets.containsAll(ResourceRefs.secretNames((Listener) l)));
    return new State(received, clusters, listeners);
  }

  private Map<String, Resource<Message>> activateType(String type, Map<String, Resource<Message>> received,
      Map<String, Resource<Message>> active, Predicate<Message> ready) {
    Map<String, Resource<Message>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Resource<Message>> e : received.entrySet()) {
      Resource<Message> r = e.getValue();
      Resource<Message> old = active.get(e.getKey());
      if (old != null && old.value().equals(r.value())) {
        out.put(e.getKey(), old);
        continue;
      }
      String key = type + "/" + e.getKey();
      boolean isBlocked = r.value().equals(blocked.get(key));
      if (!isBlocked && (ready.test(r.value()) || r.value().equals(timedOut.get(key)))) {
        out.put(e.getKey(), r);
      } else if (old != null) {
        out.put(e.getKey(), old);
      }
    }
    return out;
  }

  /**
   * Applies {@code candidate}. When that fails and the candidate activated warming resources the
   * response itself did not change (their dependency just arrived), those are held back and the
   * rest is applied: one bad cluster must not block every later endpoint update. The rejection is
   * then recorded against CDS/LDS.
   */
  private State applyWithFallback(State candidate, State base) throws InvalidConfigException {
    try {
      apply(candidate);
      return candidate;
    } catch (InvalidConfigException first) {
      Map<String, Message> dependents = new HashMap<>();
      dependents.putAll(dependencyActivations("CDS", TypeUrls.CLUSTER, candidate.activeClusters, base.activeClusters, candidate, base));
      dependents.putAll(dependencyActivations("LDS", TypeUrls.LISTENER, candidate.activeListeners, base.activeListeners, candidate, base));
      if (dependents.isEmpty()) throw first;
      blocked.putAll(dependents);
      State applied = activate(candidate.received, base);
      try {
        apply(applied);
      } catch (InvalidConfigException second) {
        dependents.keySet().forEach(blocked::remove);
        throw second;
      }
      // Without them the update applies; now let in, one at a time, those that apply on their own.
      for (String key : new TreeSet<>(dependents.keySet())) {
        blocked.remove(key);
        State attempt = activate(candidate.received, applied);
        try {
          apply(attempt);
          applied = attempt;
        } catch (InvalidConfigException e) {
          blocked.put(key, dependents.get(key));
          TypeState owner = types.get(key.startsWith("CDS/") ? TypeUrls.CLUSTER : TypeUrls.LISTENER);
          owner.rejected.inc();
          owner.lastError = e.getMessage();
          log.warn("{} rejected on activation, held back: {}", key, e.getMessage());
        }
      }
      return applied;
    }
  }

  private Map<String, Message> dependencyActivations(String type, String url, Map<String, Resource<Message>> now,
      Map<String, Resource<Message>> before, State candidate, State base) {
    Map<String, Message> out = new HashMap<>();
    now.forEach((name, r) -> {
      Resource<Message> prev = before.get(name);
      boolean activated = prev == null || !prev.value().equals(r.value());
      boolean receivedUnchanged = Objects.equals(value(base.of(url).get(name)), r.value());
      if (activated && receivedUnchanged) out.put(type + "/" + name, r.value());
    });
    return out;
  }

  private void apply(State s) throws InvalidConfigException {
    ConfigSnapshot snap = snapshot(s);
    if (snap.equals(lastApplied)) return;
    applier.apply(snap);
    lastApplied = snap;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private ConfigSnapshot snapshot(State s) {
    Map listeners = new LinkedHashMap<>(statics.listeners());
    listeners.putAll(s.activeListeners);
    Map clusters = new LinkedHashMap<>(statics.clusters());
    clusters.putAll(s.activeClusters);
    Map secrets = new LinkedHashMap<>(statics.secrets());
    secrets.putAll(s.of(TypeUrls.SECRET));
    Map routes = new LinkedHashMap<>(statics.routes());
    // Make before break: a route configuration that sends traffic to a cluster still warming (its
    // endpoints not here yet) waits with it; its previous version keeps serving meanwhile, so a new
    // traffic split never answers 503 "cluster not found" for the moment between CDS/EDS and RDS.
    Set<String> warmingClusters = new java.util.HashSet<>(s.of(TypeUrls.CLUSTER).keySet());
    warmingClusters.removeAll(s.activeClusters.keySet());
    for (Map.Entry<String, Resource<Message>> e : s.of(TypeUrls.ROUTE).entrySet()) {
      Resource<?> previous = lastApplied == null ? null : lastApplied.routes().get(e.getKey());
      boolean waits = previous != null && !warmingClusters.isEmpty()
          && referencesAny((io.minimesh.api.xds.v1.RouteConfiguration) e.getValue().value(), warmingClusters);
      routes.put(e.getKey(), waits ? previous : e.getValue());
    }
    Map endpoints = new LinkedHashMap<>(statics.endpoints());
    endpoints.putAll(s.of(TypeUrls.ENDPOINT));
    return new ConfigSnapshot(bootstrap, listeners, routes, clusters, endpoints, secrets);
  }

  // ------------------------------------------------------------------ subscriptions and warming

  private record Refs(Set<String> routes, Set<String> endpoints, Set<String> secrets) {}

  /** Names referred to by static, received and active listeners and clusters. */
  private Refs refs(Map<String, Map<String, Resource<Message>>> received, State active) {
    Set<String> routes = new TreeSet<>();
    Set<String> endpoints = new TreeSet<>();
    Set<String> secrets = new TreeSet<>();
    List<Message> listeners = new ArrayList<>();
    statics.listeners().values().forEach(r -> listeners.add(r.value()));
    received.getOrDefault(TypeUrls.LISTENER, Map.of()).values().forEach(r -> listeners.add(r.value()));
    active.activeListeners.values().forEach(r -> listeners.add(r.value()));
    for (Message m : listeners) {
      routes.addAll(ResourceRefs.routeNames((Listener) m));
      secrets.addAll(ResourceRefs.secretNames((Listener) m));
    }
    List<Message> clusters = new ArrayList<>();
    statics.clusters().values().forEach(r -> clusters.add(r.value()));
    received.getOrDefault(TypeUrls.CLUSTER, Map.of()).values().forEach(r -> clusters.add(r.value()));
    active.activeClusters.values().forEach(r -> clusters.add(r.value()));
    for (Message m : clusters) {
      String eds = ResourceRefs.edsName((Cluster) m);
      if (eds != null) endpoints.add(eds);
      secrets.addAll(ResourceRefs.secretNames((Cluster) m));
    }
    secrets.removeAll(statics.secrets().keySet());
    return new Refs(routes, endpoints, secrets);
  }

  /**
   * Updates the RDS/EDS/SDS names to what the config refers to; returns the types whose names
   * changed (the caller sends their requests).
   */
  private Set<String> updateSubscriptions() {
    Refs refs = refs(state.received, state);
    Set<String> changed = new LinkedHashSet<>();
    if (resubscribe(TypeUrls.SECRET, refs.secrets)) changed.add(TypeUrls.SECRET);
    if (resubscribe(TypeUrls.ENDPOINT, refs.endpoints)) changed.add(TypeUrls.ENDPOINT);
    if (resubscribe(TypeUrls.ROUTE, refs.routes)) changed.add(TypeUrls.ROUTE);
    return changed;
  }

  private boolean resubscribe(String url, Set<String> names) {
    TypeState t = types.get(url);
    if (t.names.equals(names)) return false;
    t.names = Collections.unmodifiableSet(new TreeSet<>(names));
    return true;
  }

  /** Starts initial_fetch_timeout timers for newly warming resources, stops those of activated ones. */
  private void rearmWarming() {
    Map<String, Message> now = new HashMap<>();
    collectWarming("CDS", state.of(TypeUrls.CLUSTER), state.activeClusters, now);
    collectWarming("LDS", state.of(TypeUrls.LISTENER), state.activeListeners, now);
    warming.entrySet().removeIf(e -> {
      boolean stale = !e.getValue().value.equals(now.get(e.getKey()));
      if (stale) e.getValue().timer.cancel();
      return stale;
    });
    timedOut.entrySet().removeIf(e -> !e.getValue().equals(now.get(e.getKey())));
    if (!initialFetchTimeout.isZero()) {
      now.forEach((key, value) -> {
        if (!warming.containsKey(key) && !timedOut.containsKey(key) && !value.equals(blocked.get(key))) {
          warming.put(key, new Warming(value, scheduler.schedule(initialFetchTimeout, () -> onWarmingTimeout(key, value))));
        }
      });
    }
    warmingClustersGauge.set(count(now, "CDS/"));
    warmingListenersGauge.set(count(now, "LDS/"));
  }

  private static long count(Map<String, Message> m, String prefix) {
    return m.keySet().stream().filter(k -> k.startsWith(prefix)).count();
  }

  private static void collectWarming(String type, Map<String, Resource<Message>> received,
      Map<String, Resource<Message>> active, Map<String, Message> out) {
    received.forEach((name, r) -> {
      Resource<Message> a = active.get(name);
      if (a == null || !a.value().equals(r.value())) out.put(type + "/" + name, r.value());
    });
  }

  private void onWarmingTimeout(String key, Message value) {
    if (closed) return;
    Warming w = warming.get(key);
    if (w == null || !w.value.equals(value)) return;
    warming.remove(key);
    timedOut.put(key, value);
    log.warn("{} still warming after {} ms (initial_fetch_timeout); activating it without its {}", key,
        initialFetchTimeout.toMillis(), key.startsWith("CDS/") ? "endpoints" : "routes");
    try {
      state = applyWithFallback(activate(state.received, state), state);
    } catch (InvalidConfigException e) {
      TypeState owner = types.get(key.startsWith("CDS/") ? TypeUrls.CLUSTER : TypeUrls.LISTENER);
      owner.rejected.inc();
      owner.lastError = e.getMessage();
      blocked.put(key, value);
      log.warn("{} rejected on activation: {}", key, e.getMessage());
    }
    rearmWarming();
    Set<String> resubscribe = updateSubscriptions();
    publish();
    for (String url : resubscribe) send(types.get(url), types.get(url).version, types.get(url).nonce, null);
  }

  /** Envoy's per route configuration RDS stats: http.<stat_prefix>.rds.<route_config>.<stat>. */
  private void countPerRouteConfig(TypeState t, DiscoveryResponse r, String stat) {
    if (!t.typeUrl.equals(TypeUrls.ROUTE)) return;
    Set<String> names = new TreeSet<>();
    for (Any a : r.getResourcesList()) {
      try {
        names.add(RouteConfiguration.parseFrom(a.getValue()).getName());
      } catch (InvalidProtocolBufferException e) {
        // undecodable: only the aggregate counts it
      }
    }
    List<Listener> listeners = new ArrayList<>();
    statics.listeners().values().forEach(l -> listeners.add(l.value()));
    state.of(TypeUrls.LISTENER).values().forEach(l -> listeners.add((Listener) l.value()));
    Set<String> counted = new TreeSet<>();
    for (Listener l : listeners) {
      for (var fc : l.getFilterChainsList()) {
        for (var f : fc.getFiltersList()) {
          if (!f.hasHttpConnectionManager() || !f.getHttpConnectionManager().hasRds()) continue;
          String name = f.getHttpConnectionManager().getRds().getRouteConfigName();
          String key = "http." + f.getHttpConnectionManager().getStatPrefix() + ".rds." + name + "." + stat;
          if (names.contains(name) && counted.add(key)) stats.counter(key).inc();
        }
      }
    }
  }

  // ------------------------------------------------------------------ status

  private void publish() {
    Map<String, Message> warm = new HashMap<>();
    collectWarming("CDS", state.of(TypeUrls.CLUSTER), state.activeClusters, warm);
    collectWarming("LDS", state.of(TypeUrls.LISTENER), state.activeListeners, warm);
    List<XdsStatus.TypeStatus> list = new ArrayList<>();
    for (String url : List.of(TypeUrls.CLUSTER, TypeUrls.ENDPOINT, TypeUrls.LISTENER, TypeUrls.ROUTE, TypeUrls.SECRET)) {
      TypeState t = types.get(url);
      long warmingCount = url.equals(TypeUrls.CLUSTER) ? count(warm, "CDS/")
          : url.equals(TypeUrls.LISTENER) ? count(warm, "LDS/") : 0;
      list.add(new XdsStatus.TypeStatus(t.shortName, url, t.version, t.nonce, t.attempt.get(), t.success.get(),
          t.rejected.get(), t.lastError, t.lastUpdate, state.of(url).size(), (int) warmingCount,
          new ArrayList<>(t.names)));
    }
    status = new XdsStatus(address, connected, list);
    if (!initialized.isDone() && warm.isEmpty()
        && types.get(TypeUrls.CLUSTER).lastUpdate != null && types.get(TypeUrls.LISTENER).lastUpdate != null) {
      initialized.complete(null);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The bootstrap's node, with what the proxy knows filled in: namespace from the id, admin address, version. */
  static Node completeNode(Bootstrap b) {
    Node.Builder n = b.getNode().toBuilder();
    if (n.getNamespace().isEmpty() && n.getId().contains(".")) {
      n.setNamespace(n.getId().substring(n.getId().lastIndexOf('.') + 1));
    }
    if (n.getAdminAddress().isEmpty()) {
      SocketAddress a = b.getAdmin().getAddress().getSocketAddress();
      n.setAdminAddress(b.getAdmin().hasAddress() ? a.getAddress() + ":" + a.getPortValue() : "127.0.0.1:15000");
    }
    if (n.getVersion().isEmpty()) n.setVersion(VERSION);
    return n.build();
  }

  private static List<String> localIps() {
    Set<String> out = new LinkedHashSet<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp() || ni.isLoopback()) continue;
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          if (a instanceof Inet6Address && a.isLinkLocalAddress()) continue;
          out.add(a.getHostAddress());
        }
      }
    } catch (SocketException e) {
      log.debug("cannot list network interfaces", e);
    }
    if (out.isEmpty()) out.add("127.0.0.1");
    return new ArrayList<>(out);
  }

  private static ConfigSnapshot staticsOf(ConfigSnapshot s) {
    return new ConfigSnapshot(s.bootstrap(), onlyStatic(s.listeners()), onlyStatic(s.routes()),
        onlyStatic(s.clusters()), onlyStatic(s.endpoints()), onlyStatic(s.secrets()));
  }

  private static <T extends Message> Map<String, Resource<T>> onlyStatic(Map<String, Resource<T>> m) {
    Map<String, Resource<T>> out = new LinkedHashMap<>();
    m.forEach((k, v) -> {
      if (v.isStatic()) out.put(k, v);
    });
    return out;
  }

  private Map<String, ? extends Resource<? extends Message>> staticMap(String url) {
    if (url.equals(TypeUrls.CLUSTER)) return statics.clusters();
    if (url.equals(TypeUrls.LISTENER)) return statics.listeners();
    if (url.equals(TypeUrls.SECRET)) return statics.secrets();
    if (url.equals(TypeUrls.ROUTE)) return statics.routes();
    return statics.endpoints();
  }

  static String nameOf(Message m) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName("name");
    if (f == null) f = m.getDescriptorForType().findFieldByName("cluster_name");
    return (String) m.getField(f);
  }

  static String kind(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }

  private static Message value(Resource<Message> r) {
    return r == null ? null : r.value();
  }

  private static Duration toDuration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  /** Dynamic resources as received (last accepted per type) and the clusters/listeners active among them. */
  private record State(
      Map<String, Map<String, Resource<Message>>> received,
      Map<String, Resource<Message>> activeClusters,
      Map<String, Resource<Message>> activeListeners) {
    static final State EMPTY = new State(Map.of(), Map.of(), Map.of());

    Map<String, Resource<Message>> of(String url) {
      return received.getOrDefault(url, Map.of());
    }
  }

  private record Warming(Message value, XdsScheduler.Cancellable timer) {}

  private static boolean referencesAny(io.minimesh.api.xds.v1.RouteConfiguration rc, Set<String> clusters) {
    for (var vh : rc.getVirtualHostsList()) {
      for (var r : vh.getRoutesList()) {
        if (!r.hasRoute()) continue;
        var a = r.getRoute();
        if (clusters.contains(a.getCluster())) return true;
        for (var w : a.getWeightedClusters().getClustersList()) {
          if (clusters.contains(w.getName())) return true;
        }
      }
    }
    return false;
  }

  /** Protocol state of one resource type. */
  private static final class TypeState {
    final String typeUrl;
    final String shortName;
    final boolean wildcard;
    final StatsRegistry.Counter attempt;
    final StatsRegistry.Counter success;
    final StatsRegistry.Counter rejected;
    Set<String> names = Set.of();
    String version = "";
    String nonce = "";
    String lastError = "";
    Instant lastUpdate;

    TypeState(String typeUrl, StatsRegistry stats) {
      this.typeUrl = typeUrl;
      this.shortName = TypeUrls.shortName(typeUrl);
      this.wildcard = TypeUrls.isWildcardType(typeUrl);
      String prefix = STATS_PREFIX.get(typeUrl);
      this.attempt = stats.counter(prefix + ".update_attempt");
      this.success = stats.counter(prefix + ".update_success");
      this.rejected = stats.counter(prefix + ".update_rejected");
    }
  }

  /** One ADS stream: its request side and what was sent/seen on it. */
  private static final class Stream {
    StreamObserver<DiscoveryRequest> requests;
    boolean sentNode;
    // Nonces already handled on this stream; a response repeating one is stale.
    final Set<String> nonces = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > NONCE_MEMORY;
      }
    });

    void cancel() {
      if (requests instanceof ClientCallStreamObserver<DiscoveryRequest> c) {
        c.cancel("xDS client closed", null);
      } else {
        requests.onCompleted();
      }
    }
  }
}
