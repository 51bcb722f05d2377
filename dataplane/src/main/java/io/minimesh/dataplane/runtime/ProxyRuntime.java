package io.minimesh.dataplane.runtime;

import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.dataplane.accesslog.AccessLogWriter;
import io.minimesh.dataplane.admin.AdminServer;
import io.minimesh.dataplane.admin.XdsStatusSource;
import io.minimesh.dataplane.config.ConfigApplier;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.http.HcmConfig;
import io.minimesh.dataplane.http.HttpConnectionInit;
import io.minimesh.dataplane.http.ProxyContext;
import io.minimesh.dataplane.listener.ListenerConnections;
import io.minimesh.dataplane.runtime.RuntimeState.ListenerRuntime;
import io.minimesh.dataplane.runtime.internal.Compiler;
import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.tcp.TcpProxyConfig;
import io.minimesh.dataplane.tcp.TcpProxyHandler;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import io.minimesh.dataplane.upstream.HostImpl;
import io.minimesh.dataplane.upstream.HostStats;
import io.minimesh.dataplane.upstream.UpstreamPools;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: event loops, listeners, upstream pools, stats, access log and admin API.
 * {@link #apply} validates and compiles a whole {@link ConfigSnapshot}, binds new listeners, swaps
 * the compiled state with one volatile write and unbinds listeners that went away. Requests
 * capture the state they start with.
 *
 * <p>Start one programmatically with {@link #start(Bootstrap, ProxyOptions)} (admin address from
 * the bootstrap; port 0 picks a free port) and find bound ports with {@link #listenerAddress} and
 * {@link #adminAddress}.
 */
public final class ProxyRuntime implements ConfigApplier, ProxyContext, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyRuntime.class);

  private final ProxyOptions options;
  private final Transport transport;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Map<EventExecutor, Integer> loopIndex;
  private final ConcurrentHashMap<EventLoop, UpstreamPools> pools = new ConcurrentHashMap<>();
  private final StatsRegistry stats = new StatsRegistry();
  private final ConcurrentHashMap<String, HostStats> hostStats = new ConcurrentHashMap<>();
  private final Compiler compiler;
  private final AccessLogWriter accessLog = new AccessLogWriter();
  private final ScheduledExecutorService dns;
  private final Map<String, Bound> bound = new LinkedHashMap<>();
  private final List<ScheduledFuture<?>> dnsRefresh = new ArrayList<>();
  private final long startMillis;
  private volatile RuntimeState state;
  private volatile boolean draining;
  private volatile boolean healthCheckFailed;
  private volatile boolean initialized;
  private volatile XdsStatusSource xdsStatus = XdsStatusSource.NOT_CONFIGURED;
  private volatile Runnable onQuit = () -> {};
  private volatile java.util.concurrent.CompletableFuture<?> readyGate =
      java.util.concurrent.CompletableFuture.completedFuture(null);
  private AdminServer admin;

  private record Bound(String name, InetSocketAddress configured, Channel channel) {}

  public ProxyRuntime(ProxyOptions options) {
    this.options = options;
    this.transport = options.transport();
    this.boss = transport.newGroup(1, new DefaultThreadFactory("mesh-accept", true));
    this.workers = transport.newGroup(options.concurrency(), new DefaultThreadFactory("mesh-worker", true));
    Map<EventExecutor, Integer> idx = new IdentityHashMap<>();
    int i = 0;
    for (EventExecutor e : workers) idx.put(e, i++);
    this.loopIndex = idx;
    this.compiler = new Compiler(stats, options.concurrency(), hostStats);
    this.dns = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("mesh-dns", true));
    this.startMillis = options.time().currentTimeMillis();
    this.state = new RuntimeState(
        ConfigSnapshot.fromBootstrap(Bootstrap.getDefaultInstance(), Instant.ofEpochMilli(startMillis)),
        Map.of(), Map.of(), Map.of());
    stats.gauge("server.live").set(1);
    stats.gauge("server.concurrency").set(options.concurrency());
    log.debug("proxy runtime: transport {}, {} event loops", transport.name(), options.concurrency());
  }

  /** Creates a runtime, starts the admin API on the bootstrap's admin address and applies the bootstrap. */
  public static ProxyRuntime start(Bootstrap bootstrap, ProxyOptions options) throws InvalidConfigException {
    ProxyRuntime rt = new ProxyRuntime(options);
    try {
      var a = bootstrap.getAdmin().getAddress().getSocketAddress();
      String host = a.getAddress().isEmpty() ? "127.0.0.1" : a.getAddress();
      int port = bootstrap.hasAdmin() && bootstrap.getAdmin().hasAddress() ? a.getPortValue() : 15000;
      rt.startAdmin(new InetSocketAddress(host, port));
      rt.apply(ConfigSnapshot.fromBootstrap(bootstrap, Instant.ofEpochMilli(options.time().currentTimeMillis())));
      return rt;
    } catch (InvalidConfigException | RuntimeException e) {
      rt.close();
      throw e;
    }
  }

  /** Starts the admin API (once). */
  public synchronized InetSocketAddress startAdmin(InetSocketAddress address) throws InvalidConfigException {
    if (admin == null) admin = AdminServer.start(this, boss, transport, address);
    return admin.address();
  }

  public InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  // ---- ConfigApplier ----

  @Override
  public synchronized void apply(ConfigSnapshot next) throws InvalidConfigException {
    RuntimeState compiled = compiler.compile(next);
    // Bind new listeners before swapping; on failure close what was bound here and reject.
    Map<String, Bound> newlyBound = new LinkedHashMap<>();
    for (ListenerRuntime l : compiled.listeners.values()) {
      if (!l.bindToPort()) continue;
      Bound b = bound.get(l.name());
      if (b != null && b.configured().equals(l.address())) continue;
      try {
        newlyBound.put(l.name(), bind(l));
      } catch (InvalidConfigException e) {
        newlyBound.values().forEach(x -> x.channel().close());
        throw e;
      }
    }
    RuntimeState before = this.state;
    this.state = compiled;
    // Outlier detection and health checks follow the applied clusters (each on one event loop).
    io.minimesh.dataplane.upstream.ProxyHealthEnvironment.activate(before.clusters, compiled.clusters,
        () -> new io.minimesh.dataplane.upstream.ProxyHealthEnvironment(
            workers.next(), transport.socketChannel(), options.time()::nanoTime));
    for (Map.Entry<String, Bound> e : new ArrayList<>(bound.entrySet())) {
      ListenerRuntime l = compiled.listeners.get(e.getKey());
      if (l == null || !l.bindToPort() || newlyBound.containsKey(e.getKey())) {
        e.getValue().channel().close();
        bound.remove(e.getKey());
      }
    }
    bound.putAll(newlyBound);
    scheduleDns(compiled);
    if (!initialized) {
      initialized = true;
      stats.gauge("server.state").set(0);
    }
    stats.counter("server.config_applied").inc();
  }

  @Override
  public ConfigSnapshot current() {
    return state.snapshot;
  }

  private Bound bind(ListenerRuntime l) throws InvalidConfigException {
    String name = l.name();
    ServerBootstrap sb =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    accept(name, ch);
                  }
                });
    ChannelFuture f = sb.bind(l.address()).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new InvalidConfigException(
          "Listener \"" + name + "\": address: cannot bind " + l.address() + ": " + f.cause().getMessage());
    }
    log.info("listener {} bound to {}", name, f.channel().localAddress());
    return new Bound(name, l.address(), f.channel());
  }

  private void accept(String name, Channel ch) {
    ListenerRuntime l = state.listeners.get(name);
    if (l == null) {
      ch.close();
      return;
    }
    if (l.readOriginalDst()) {
      // Transparent capture: the original destination decides the listener and filter chain.
      io.minimesh.dataplane.listener.OriginalDstHandoff.accept(ch, l, this);
      return;
    }
    l.cxTotal().inc();
    l.cxActive().inc();
    ch.closeFuture().addListener(x -> l.cxActive().dec());
    ListenerConnections.init(ch, this, name, (InetSocketAddress) ch.localAddress());
  }

  private void scheduleDns(RuntimeState st) {
    dnsRefresh.forEach(f -> f.cancel(false));
    dnsRefresh.clear();
    for (ClusterRuntime c : st.clusters.values()) {
      Cluster p = c.proto;
      if (p.getType() != Cluster.DiscoveryType.STRICT_DNS && p.getType() != Cluster.DiscoveryType.LOGICAL_DNS) continue;
      long every = p.hasDnsRefreshRate()
          ? Math.max(100, p.getDnsRefreshRate().getSeconds() * 1000 + p.getDnsRefreshRate().getNanos() / 1_000_000)
          : 5000;
      boolean logical = p.getType() == Cluster.DiscoveryType.LOGICAL_DNS;
      dnsRefresh.add(
          dns.scheduleWithFixedDelay(
              () -> {
                try {
                  List<HostImpl> hosts = compiler.hosts(p, p.getLoadAssignment(), "Cluster \"" + p.getName() + "\"", true, logical);
                  List<String> now = hosts.stream().map(HostImpl::addressString).toList();
                  List<String> before = c.hostSet().hosts.stream().map(HostImpl::addressString).toList();
                  if (!now.equals(before)) {
                    c.setHosts(hosts, options.concurrency());
                    c.stats.membershipChange.inc();
                  }
                } catch (InvalidConfigException | RuntimeException e) {
                  log.warn("DNS refresh of cluster {} failed: {}", p.getName(), e.getMessage());
                }
              },
              every,
              every,
              TimeUnit.MILLISECONDS));
    }
  }

  // ---- ProxyContext ----

  @Override
  public RuntimeState state() {
    return state;
  }

  @Override
  public UpstreamPools pools(EventLoop loop) {
    return pools.computeIfAbsent(loop, l -> new UpstreamPools(l, transport));
  }

  @Override
  public int loopIndex(EventLoop loop) {
    Integer i = loopIndex.get(loop);
    return i == null ? 0 : i;
  }

  @Override
  public AccessLogWriter accessLog() {
    return accessLog;
  }

  @Override
  public TimeSource time() {
    return options.time();
  }

  @Override
  public boolean draining() {
    return draining;
  }

  // ---- admin / lifecycle ----

  public StatsRegistry stats() {
    return stats;
  }

  public ProxyOptions options() {
    return options;
  }

  /** True once the initial configuration is applied (and the ready gate, e.g. the first xDS push, passed). */
  public boolean initialized() {
    return initialized && readyGate.isDone();
  }

  /** True once any configuration was applied (static bootstrap), even if the ready gate is pending. */
  public boolean configApplied() {
    return initialized;
  }

  /** /ready stays 503 INITIALIZING until {@code gate} completes (the xDS client's initial fetch). */
  public void setReadyGate(java.util.concurrent.CompletableFuture<?> gate) {
    this.readyGate = gate;
  }

  public long startMillis() {
    return startMillis;
  }

  /** Where a listener is actually bound (resolves port 0), or null. */
  public synchronized InetSocketAddress listenerAddress(String name) {
    Bound b = bound.get(name);
    return b == null ? null : (InetSocketAddress) b.channel().localAddress();
  }

  /** Bound listeners by name. */
  public synchronized Map<String, InetSocketAddress> listenerAddresses() {
    Map<String, InetSocketAddress> m = new LinkedHashMap<>();
    bound.forEach((k, v) -> m.put(k, (InetSocketAddress) v.channel().localAddress()));
    return m;
  }

  /** The xDS client registers its status here for GET /xds_status. */
  public void setXdsStatusSource(XdsStatusSource source) {
    this.xdsStatus = source == null ? XdsStatusSource.NOT_CONFIGURED : source;
  }

  public XdsStatusSource xdsStatusSource() {
    return xdsStatus;
  }

  /** What POST /quitquitquit does (Main exits the process). */
  public void setOnQuit(Runnable r) {
    this.onQuit = r;
  }

  public void quit() {
    onQuit.run();
  }

  public boolean healthCheckFailed() {
    return healthCheckFailed;
  }

  public void setHealthCheckFailed(boolean failed) {
    this.healthCheckFailed = failed;
  }

  public boolean isDraining() {
    return draining;
  }

  /** Stops accepting connections; existing ones finish their requests and are then closed. */
  public synchronized void drainListeners() {
    draining = true;
    stats.gauge("server.live").set(0);
    stats.gauge("server.state").set(1);
    for (Bound b : bound.values()) b.channel().close().awaitUninterruptibly();
    bound.clear();
  }

  /** Graceful shutdown: stop accepting, wait for in-flight requests up to {@code drain}, then close. */
  public void shutdown(Duration drain) {
    drainListeners();
    long deadline = System.nanoTime() + drain.toNanos();
    while (System.nanoTime() < deadline && activeRequests() > 0) {
      try {
        Thread.sleep(50); // process shutdown path, not a test synchronisation
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
  }

  private long activeRequests() {
    long n = 0;
    for (Map.Entry<String, Long> e : stats.snapshot().entrySet()) {
      if (e.getKey().startsWith("http.") && e.getKey().endsWith(".downstream_rq_active")) n += e.getValue();
    }
    return n;
  }

  @Override
  public void close() {
    synchronized (this) {
      for (Bound b : bound.values()) b.channel().close();
      bound.clear();
      if (admin != null) admin.close();
      dnsRefresh.forEach(f -> f.cancel(false));
    }
    dns.shutdownNow();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    accessLog.close();
  }
}
