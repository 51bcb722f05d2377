package io.minimesh.dataplane.upstream;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.HealthCheck;
import io.minimesh.api.xds.v1.OutlierDetection;
import io.minimesh.dataplane.stats.ClusterStats;
import io.minimesh.dataplane.stats.StatsRegistry.Counter;
import io.minimesh.dataplane.stats.StatsRegistry.Gauge;
import io.minimesh.dataplane.upstream.health.ActiveHealthChecker;
import io.minimesh.dataplane.upstream.health.ProbeResult;
import io.minimesh.dataplane.upstream.health.Prober;
import io.minimesh.dataplane.upstream.health.Scheduler;
import io.minimesh.dataplane.upstream.outlier.OutlierDetector;
import io.minimesh.dataplane.upstream.outlier.OutlierDetector.EjectionType;
import io.minimesh.dataplane.upstream.outlier.OutlierDetector.LocalOriginFailure;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Outlier detection and active health checking of one cluster, wired to its hosts. One per cluster
 * name, kept across config updates so a host that stays keeps its ejection and health-check state
 * (hosts are identified by their {@link HostStats}, which the compiler keeps per cluster and
 * address).
 *
 * <p>All detector and checker state lives on one serial executor (an event loop of the proxy);
 * event loops post results to it. A change of any host's health sets the host's flags
 * ({@link HostStats#outlierEjected}, {@link HostStats#activeHcFailed}) and bumps
 * {@link #generation()}, on which every event loop rebuilds its load balancer before the next pick.
 */
public final class ClusterHealth {
  /** Where a cluster's checks run: a serial executor, its timer, a clock and real probes. */
  public interface Environment {
    Executor executor();

    Scheduler scheduler();

    LongSupplier nanoClock();

    RandomGenerator random();

    /** @throws IllegalArgumentException for unsupported checkers (validated before) */
    Prober prober(HealthCheck config, String clusterName);
  }

  private final String name;
  private final ClusterStats stats;
  private volatile int generation;
  private volatile boolean outlierOn;
  private volatile Environment env;
  /** Checks run, or ran, for this cluster (so an update without them must clean up). */
  private volatile boolean engaged;

  // Owned by env.executor():
  private final Map<HostStats, HostImpl> hosts = new IdentityHashMap<>();
  private OutlierDetection outlierConfig;
  private OutlierDetector<HostStats> detector;
  private Runnable tickCancel;
  private HealthCheck hcConfig;
  private ActiveHealthChecker<HostStats> checker;
  private boolean closed;

  private final Gauge ejectionsActive;
  private final Counter ejectionsEnforcedTotal;
  private final Counter ejectionsOverflow;
  private final Counter ejectionsTotal;
  private final Map<EjectionType, Counter> enforced = new EnumMap<>(EjectionType.class);
  private final Map<EjectionType, Counter> detected = new EnumMap<>(EjectionType.class);
  private final Map<EjectionType, Counter> legacy = new EnumMap<>(EjectionType.class);
  private final long[] syncedDetected = new long[EjectionType.values().length];
  private long syncedOverflow;
  private final Counter hcAttempt;
  private final Counter hcSuccess;
  private final Counter hcFailure;
  private final Counter hcNetworkFailure;
  private final Gauge hcHealthy;

  public ClusterHealth(String name, ClusterStats stats) {
    this.name = name;
    this.stats = stats;
    String od = "outlier_detection.";
    ejectionsActive = stats.gauge(od + "ejections_active");
    ejectionsEnforcedTotal = stats.counter(od + "ejections_enforced_total");
    ejectionsOverflow = stats.counter(od + "ejections_overflow");
    ejectionsTotal = stats.counter(od + "ejections_total");
    for (EjectionType t : EjectionType.values()) {
      enforced.put(t, stats.counter(od + "ejections_enforced_" + t.statName()));
      detected.put(t, stats.counter(od + "ejections_detected_" + t.statName()));
      legacy.put(t, stats.counter(od + "ejections_" + t.statName()));
    }
    hcAttempt = stats.counter("health_check.attempt");
    hcSuccess = stats.counter("health_check.success");
    hcFailure = stats.counter("health_check.failure");
    hcNetworkFailure = stats.counter("health_check.network_failure");
    hcHealthy = stats.gauge("health_check.healthy");
  }

  /**
   * Checks the cluster's outlier detection and health check fields before anything is applied.
   *
   * @param w where the cluster is, e.g. {@code Cluster "reviews"}
   */
  public static void validate(Cluster c, String w) throws io.minimesh.dataplane.config.InvalidConfigException {
    if (c.hasOutlierDetection()) {
      OutlierDetection od = c.getOutlierDetection();
      percent(od.hasMaxEjectionPercent(), od.getMaxEjectionPercent(), w + ".outlier_detection.max_ejection_percent");
      percent(od.hasEnforcingConsecutive5Xx(), od.getEnforcingConsecutive5Xx(),
          w + ".outlier_detection.enforcing_consecutive_5xx");
      percent(od.hasEnforcingConsecutiveGatewayFailure(), od.getEnforcingConsecutiveGatewayFailure(),
          w + ".outlier_detection.enforcing_consecutive_gateway_failure");
      positive(od.hasInterval() ? od.getInterval() : null, w + ".outlier_detection.interval");
      positive(od.hasBaseEjectionTime() ? od.getBaseEjectionTime() : null,
          w + ".outlier_detection.base_ejection_time");
    }
    for (int i = 0; i < c.getHealthChecksCount(); i++) {
      HealthCheck hc = c.getHealthChecks(i);
      String hw = w + ".health_checks[" + i + "]";
      switch (hc.getHealthCheckerCase()) {
        case HTTP_HEALTH_CHECK -> {
          String path = hc.getHttpHealthCheck().getPath();
          if (!path.isEmpty() && !path.startsWith("/")) {
            throw new io.minimesh.dataplane.config.InvalidConfigException(
                hw + ".http_health_check.path: must start with \"/\", got \"" + path + "\"");
          }
          for (int j = 0; j < hc.getHttpHealthCheck().getExpectedStatusesCount(); j++) {
            var r = hc.getHttpHealthCheck().getExpectedStatuses(j);
            if (r.getStart() < 100 || r.getEnd() > 600 || r.getStart() >= r.getEnd()) {
              throw new io.minimesh.dataplane.config.InvalidConfigException(hw
                  + ".http_health_check.expected_statuses[" + j + "]: [" + r.getStart() + ", " + r.getEnd()
                  + ") is not a non-empty range within [100, 600)");
            }
          }
        }
        case TCP_HEALTH_CHECK -> {}
        case GRPC_HEALTH_CHECK -> throw new io.minimesh.dataplane.config.InvalidConfigException(
            hw + ".grpc_health_check: gRPC health checks are not supported (use http_health_check or tcp_health_check)");
        default -> throw new io.minimesh.dataplane.config.InvalidConfigException(
            hw + ": one of http_health_check, tcp_health_check is required");
      }
      positive(hc.hasTimeout() ? hc.getTimeout() : null, hw + ".timeout");
      positive(hc.hasInterval() ? hc.getInterval() : null, hw + ".interval");
    }
  }

  private static void percent(boolean set, int v, String field)
      throws io.minimesh.dataplane.config.InvalidConfigException {
    if (set && (v < 0 || v > 100)) {
      throw new io.minimesh.dataplane.config.InvalidConfigException(
          field + ": " + Integer.toUnsignedString(v) + " is not a percentage (0-100)");
    }
  }

  private static void positive(com.google.protobuf.Duration d, String field)
      throws io.minimesh.dataplane.config.InvalidConfigException {
    if (d != null && (d.getSeconds() < 0 || d.getNanos() < 0 || (d.getSeconds() == 0 && d.getNanos() == 0))) {
      throw new io.minimesh.dataplane.config.InvalidConfigException(field + ": must be positive");
    }
  }

  /** Bumped on every host health change; load balancers built for an older value are stale. */
  public int generation() {
    return generation;
  }

  /**
   * The cluster's config or hosts changed (config applied, DNS refresh). The first call binds this
   * cluster's checks to {@code environment}. Safe from any thread.
   */
  public void update(Cluster proto, List<HostImpl> current, Environment environment) {
    boolean wanted = proto.hasOutlierDetection() || proto.getHealthChecksCount() > 0;
    if (!wanted && !engaged) {
      return; // nothing to start or stop: most clusters, on every config push
    }
    engaged = true;
    Environment e = env;
    if (e == null) {
      env = e = environment;
    }
    List<HostImpl> copy = List.copyOf(current);
    e.executor().execute(() -> apply(proto, copy));
  }

  /** The cluster was removed: stop probing and ticking. Safe from any thread. */
  public void close() {
    Environment e = env;
    if (e == null) {
      return;
    }
    e.executor().execute(() -> {
      closed = true;
      outlierOn = false;
      stopOutlier();
      stopChecker();
    });
  }

  // ---- reports from event loops ----

  void reportStatus(HostImpl host, int status) {
    if (!outlierOn) {
      return;
    }
    // Successes only matter after a failure (they reset the counts): skip the hand-off otherwise.
    boolean failure = status >= 500;
    if (failure) {
      host.stats.outlierDirty = true;
    } else if (host.stats.outlierDirty) {
      host.stats.outlierDirty = false;
    } else {
      return;
    }
    env.executor().execute(() -> {
      if (detector != null) {
        detector.reportHttpStatus(host.stats, status);
        syncStats();
      }
    });
  }

  void reportLocalFailure(HostImpl host, LocalOriginFailure failure) {
    if (!outlierOn) {
      return;
    }
    host.stats.outlierDirty = true;
    env.executor().execute(() -> {
      if (detector != null) {
        detector.reportLocalOriginFailure(host.stats, failure);
        syncStats();
      }
    });
  }

  void reportConnected(HostImpl host) {
    if (!outlierOn) {
      return;
    }
    env.executor().execute(() -> {
      if (detector != null) {
        detector.reportLocalOriginSuccess(host.stats);
      }
    });
  }

  // ---- on the executor ----

  private void apply(Cluster proto, List<HostImpl> current) {
    closed = false; // a cluster removed and added again starts over
    Map<HostStats, HostImpl> next = new IdentityHashMap<>();
    for (HostImpl h : current) {
      next.put(h.stats, h);
    }
    for (HostStats gone : hosts.keySet()) {
      if (!next.containsKey(gone)) {
        // The stats object outlives the host; a host that comes back starts clean.
        gone.outlierEjected = false;
        gone.activeHcFailed = false;
      }
    }
    List<HostStats> added = new ArrayList<>();
    for (HostStats s : next.keySet()) {
      if (!hosts.containsKey(s)) {
        added.add(s);
      }
    }
    hosts.clear();
    hosts.putAll(next);
    List<HostStats> keys = new ArrayList<>(hosts.keySet());

    if (proto.hasOutlierDetection()) {
      if (detector == null || !proto.getOutlierDetection().equals(outlierConfig)) {
        stopOutlier();
        outlierConfig = proto.getOutlierDetection();
        detector = new OutlierDetector<>(outlierConfig, env.nanoClock(), env.random(), this::onOutlierChange);
        java.util.Arrays.fill(syncedDetected, 0);
        syncedOverflow = 0;
        scheduleTick();
      }
      detector.updateHosts(keys);
      outlierOn = true;
    } else {
      outlierOn = false;
      stopOutlier();
    }

    if (proto.getHealthChecksCount() > 0) {
      HealthCheck hc = proto.getHealthChecks(0);
      if (checker == null || !hc.equals(hcConfig)) {
        stopChecker();
        hcConfig = hc;
        Prober real = env.prober(hc, name);
        Prober counted = (address, done) -> {
          hcAttempt.inc();
          real.probe(address, r -> {
            if (r == ProbeResult.HEALTHY) {
              hcSuccess.inc();
            } else {
              hcFailure.inc();
              if (r != ProbeResult.ACTIVE_FAILURE) {
                hcNetworkFailure.inc();
              }
            }
            done.accept(r);
          });
        };
        checker = new ActiveHealthChecker<>(hc, this::addressOf, counted, env.scheduler(),
            this::onHcChange, () -> stats.cxTotal.get() > 0);
        added = keys; // a new checker probes every host afresh
      }
      // Like Envoy, a host is not used until its first check passed.
      for (HostStats s : added) {
        s.activeHcFailed = true;
      }
      checker.updateHosts(keys);
    } else {
      stopChecker();
    }
    publishHealth();
    generation++;
  }

  private InetSocketAddress addressOf(HostStats s) {
    HostImpl h = hosts.get(s);
    return h == null ? null : h.healthCheckAddress();
  }

  private void scheduleTick() {
    OutlierDetector<HostStats> d = detector;
    long every = d.interval().toNanos();
    tickCancel = env.scheduler().schedule(() -> tick(d), every);
  }

  private void tick(OutlierDetector<HostStats> d) {
    if (d != detector || closed) {
      return;
    }
    d.onInterval();
    syncStats();
    scheduleTick();
  }

  private void stopOutlier() {
    if (tickCancel != null) {
      tickCancel.run();
      tickCancel = null;
    }
    if (detector != null) {
      detector = null;
      outlierConfig = null;
      boolean any = false;
      for (HostStats s : hosts.keySet()) {
        any |= s.outlierEjected;
        s.outlierEjected = false;
      }
      ejectionsActive.set(0);
      if (any) {
        generation++;
      }
    }
  }

  private void stopChecker() {
    if (checker != null) {
      checker.close();
      checker = null;
      hcConfig = null;
      boolean any = false;
      for (HostStats s : hosts.keySet()) {
        any |= s.activeHcFailed;
        s.activeHcFailed = false;
      }
      if (any) {
        generation++;
      }
    }
  }

  private void onOutlierChange(HostStats host, boolean ejected, EjectionType type) {
    host.outlierEjected = ejected;
    if (ejected) {
      host.ejections.increment();
      ejectionsEnforcedTotal.inc();
      enforced.get(type).inc();
    }
    ejectionsActive.set(detector == null ? 0 : detector.ejectionsActive());
    publishHealth();
    generation++;
  }

  private void onHcChange(HostStats host, boolean healthy) {
    host.activeHcFailed = !healthy;
    publishHealth();
    generation++;
  }

  /** Mirrors the detector's detection counts into stats (it counts, stats are monotonic adders). */
  private void syncStats() {
    OutlierDetector<HostStats> d = detector;
    if (d == null) {
      return;
    }
    for (EjectionType t : EjectionType.values()) {
      long now = d.ejectionsDetected(t);
      long delta = now - syncedDetected[t.ordinal()];
      if (delta > 0) {
        detected.get(t).add(delta);
        legacy.get(t).add(delta);
        ejectionsTotal.add(delta);
        syncedDetected[t.ordinal()] = now;
      }
    }
    long overflow = d.ejectionsOverflow();
    if (overflow > syncedOverflow) {
      ejectionsOverflow.add(overflow - syncedOverflow);
      syncedOverflow = overflow;
    }
    ejectionsActive.set(d.ejectionsActive());
  }

  private void publishHealth() {
    int healthy = 0;
    for (HostImpl h : hosts.values()) {
      if (h.healthy()) {
        healthy++;
      }
    }
    stats.membershipHealthy.set(healthy);
    hcHealthy.set(checker == null ? 0 : healthy);
  }
}
