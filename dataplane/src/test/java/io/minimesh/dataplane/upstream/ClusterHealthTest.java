package io.minimesh.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.HealthCheck;
import io.minimesh.api.xds.v1.Locality;
import io.minimesh.api.xds.v1.OutlierDetection;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.stats.ClusterStats;
import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.upstream.health.ProbeResult;
import io.minimesh.dataplane.upstream.health.Prober;
import io.minimesh.dataplane.upstream.health.Scheduler;
import io.minimesh.dataplane.upstream.lb.LbContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Outlier detection and health checks wired to a cluster's hosts and load balancer; time is fake. */
class ClusterHealthTest {
  /** Everything runs on the test thread; time moves only in {@link #advanceSeconds}. */
  final class FakeEnv implements ClusterHealth.Environment, Scheduler {
    record Task(long due, long seq, Runnable run, boolean[] cancelled) {}

    long now;
    long seq;
    final PriorityQueue<Task> tasks = new PriorityQueue<>(
        (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    final Map<InetSocketAddress, List<Consumer<ProbeResult>>> probes = new HashMap<>();

    @Override
    public Runnable schedule(Runnable task, long delayNanos) {
      boolean[] cancelled = {false};
      tasks.add(new Task(now + delayNanos, seq++, task, cancelled));
      return () -> cancelled[0] = true;
    }

    void advanceSeconds(long s) {
      long until = now + TimeUnit.SECONDS.toNanos(s);
      while (!tasks.isEmpty() && tasks.peek().due <= until) {
        Task t = tasks.poll();
        now = t.due;
        if (!t.cancelled[0]) t.run.run();
      }
      now = until;
    }

    /** Answers every outstanding probe of {@code host}. */
    void answer(HostImpl host, ProbeResult r) {
      List<Consumer<ProbeResult>> waiting = probes.remove(host.address());
      assertThat(waiting).as("probes pending for " + host).isNotNull();
      waiting.forEach(c -> c.accept(r));
    }

    @Override
    public Executor executor() {
      return Runnable::run;
    }

    @Override
    public Scheduler scheduler() {
      return this;
    }

    @Override
    public LongSupplier nanoClock() {
      return () -> now;
    }

    @Override
    public RandomGenerator random() {
      return new SplittableRandom(7);
    }

    @Override
    public Prober prober(HealthCheck config, String clusterName) {
      return (address, done) -> probes.computeIfAbsent(address, a -> new ArrayList<>()).add(done);
    }
  }

  final FakeEnv env = new FakeEnv();
  final StatsRegistry registry = new StatsRegistry();
  final ClusterStats stats = new ClusterStats(registry, "c");
  final ClusterShared shared = ClusterShared.create("c", stats);
  final Map<String, HostStats> hostStats = new HashMap<>();

  HostImpl host(int lastOctet) {
    String key = "10.0.0." + lastOctet;
    return new HostImpl(new InetSocketAddress(key, 80), "", 1, Locality.getDefaultInstance(), 0, true,
        "HEALTHY", hostStats.computeIfAbsent(key, k -> new HostStats()));
  }

  {
    stats.cxTotal.inc(); // the cluster has carried traffic: health checks use their interval
  }

  ClusterRuntime cluster(Cluster proto, List<HostImpl> hosts) {
    ClusterRuntime c = new ClusterRuntime(proto, stats, 1000, 1024, 1024, 1024, 3,
        Locality.getDefaultInstance(), hosts, 1, shared);
    c.activate(env);
    return c;
  }

  static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  static Cluster withOutlier(int consecutive5xx, int maxEjectionPercent) {
    return Cluster.newBuilder().setName("c").setOutlierDetection(OutlierDetection.newBuilder()
        .setConsecutive5Xx(consecutive5xx).setInterval(seconds(10)).setBaseEjectionTime(seconds(30))
        .setMaxEjectionPercent(maxEjectionPercent)).build();
  }

  static Cluster withHealthCheck() {
    return Cluster.newBuilder().setName("c").addHealthChecks(HealthCheck.newBuilder()
        .setInterval(seconds(5)).setTimeout(seconds(1)).setUnhealthyThreshold(2).setHealthyThreshold(1)
        .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath("/healthz"))).build();
  }

  long stat(String name) {
    return registry.snapshot().getOrDefault("cluster.c." + name, -1L);
  }

  static Map<String, Integer> picks(ClusterRuntime c, int n) {
    Map<String, Integer> m = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      m.merge(c.loadBalancer(0).pick(LbContext.NONE).toString(), 1, Integer::sum);
    }
    return m;
  }

  @Test
  void consecutive5xxEjectsTheHostFromEveryPickUntilTheEjectionTimeIsOver() {
    HostImpl a = host(1), b = host(2), c = host(3);
    ClusterRuntime cl = cluster(withOutlier(3, 100), List.of(a, b, c));
    assertThat(picks(cl, 30)).hasSize(3);

    cl.reportResponse(a, 500);
    cl.reportResponse(a, 502);
    assertThat(a.healthy()).isTrue();
    cl.reportResponse(a, 503);
    assertThat(a.healthy()).isFalse();
    assertThat(a.healthFlags()).isEqualTo("/failed_outlier_check");
    assertThat(picks(cl, 30)).containsOnlyKeys("10.0.0.2:80", "10.0.0.3:80");
    assertThat(stat("outlier_detection.ejections_active")).isEqualTo(1);
    assertThat(stat("outlier_detection.ejections_enforced_total")).isEqualTo(1);
    assertThat(stat("outlier_detection.ejections_enforced_consecutive_5xx")).isEqualTo(1);
    assertThat(stat("outlier_detection.ejections_detected_consecutive_5xx")).isEqualTo(1);
    assertThat(stat("outlier_detection.ejections_consecutive_5xx")).isEqualTo(1);
    assertThat(stat("membership_healthy")).isEqualTo(2);

    env.advanceSeconds(20); // two interval sweeps, 20 s of a 30 s ejection
    assertThat(a.healthy()).isFalse();
    env.advanceSeconds(10);
    assertThat(a.healthy()).isTrue();
    assertThat(stat("outlier_detection.ejections_active")).isZero();
    assertThat(picks(cl, 30)).hasSize(3);

    // The second ejection lasts base_ejection_time × 2.
    for (int i = 0; i < 3; i++) cl.reportResponse(a, 500);
    assertThat(a.healthy()).isFalse();
    env.advanceSeconds(50);
    assertThat(a.healthy()).isFalse();
    env.advanceSeconds(10);
    assertThat(a.healthy()).isTrue();
    assertThat(a.stats().ejections.sum()).isEqualTo(2);
  }

  @Test
  void successesResetTheCountAndLocalFailuresCountAsGatewayErrors() {
    HostImpl a = host(1), b = host(2);
    ClusterRuntime cl = cluster(withOutlier(2, 100), List.of(a, b));
    cl.reportResponse(a, 500);
    cl.reportResponse(a, 200);
    cl.reportResponse(a, 500);
    assertThat(a.healthy()).isTrue();
    cl.reportLocalFailure(a, io.minimesh.dataplane.upstream.outlier.OutlierDetector.LocalOriginFailure.CONNECT_FAILED);
    assertThat(a.healthy()).isFalse();
  }

  @Test
  void maxEjectionPercentKeepsHostsInAndPanicUsesAllHostsWhenTooFewAreHealthy() {
    HostImpl a = host(1), b = host(2), c = host(3);
    ClusterRuntime limited = cluster(withOutlier(1, 34), List.of(a, b, c));
    limited.reportResponse(a, 500);
    limited.reportResponse(b, 500);
    assertThat(a.healthy()).isFalse();
    assertThat(b.healthy()).as("a second ejection would exceed 34 %").isTrue();
    assertThat(stat("outlier_detection.ejections_overflow")).isEqualTo(1);
  }

  @Test
  void belowTheHealthyPanicThresholdEjectedHostsAreUsedAgain() {
    HostImpl a = host(1), b = host(2), c = host(3);
    ClusterRuntime cl = cluster(withOutlier(1, 100), List.of(a, b, c));
    cl.reportResponse(a, 500);
    assertThat(picks(cl, 30)).containsOnlyKeys("10.0.0.2:80", "10.0.0.3:80");
    cl.reportResponse(b, 500);
    // 1 of 3 healthy is below the default 50 % panic threshold: all hosts take traffic.
    assertThat(picks(cl, 60)).hasSize(3);
  }

  @Test
  void removingOutlierDetectionBringsEjectedHostsBack() {
    HostImpl a = host(1), b = host(2);
    cluster(withOutlier(1, 100), List.of(a, b)).reportResponse(a, 500);
    assertThat(a.healthy()).isFalse();
    cluster(Cluster.newBuilder().setName("c").build(), List.of(host(1), host(2)));
    assertThat(a.healthy()).isTrue();
  }

  @Test
  void ejectionStateSurvivesAConfigUpdateThatKeepsTheHost() {
    HostImpl a = host(1), b = host(2);
    cluster(withOutlier(1, 100), List.of(a, b)).reportResponse(a, 500);
    // A new compile builds new HostImpl objects over the same per-address stats.
    HostImpl a2 = host(1);
    ClusterRuntime updated = cluster(withOutlier(1, 100), List.of(a2, host(2), host(3)));
    assertThat(a2.healthy()).isFalse();
    assertThat(picks(updated, 30)).doesNotContainKey("10.0.0.1:80");
  }

  @Test
  void activeHealthChecksGateNewHostsAndTakeFailingHostsOut() {
    HostImpl a = host(1), b = host(2);
    ClusterRuntime cl = cluster(withHealthCheck(), List.of(a, b));
    assertThat(a.healthFlags()).isEqualTo("/failed_active_hc");
    env.advanceSeconds(0);
    env.answer(a, ProbeResult.HEALTHY);
    env.answer(b, ProbeResult.HEALTHY);
    assertThat(a.healthy()).isTrue();
    assertThat(picks(cl, 20)).hasSize(2);
    assertThat(stat("health_check.success")).isEqualTo(2);

    env.advanceSeconds(5);
    env.answer(a, ProbeResult.ACTIVE_FAILURE); // a wrong status fails at once
    env.answer(b, ProbeResult.HEALTHY);
    assertThat(a.healthy()).isFalse();
    assertThat(picks(cl, 20)).containsOnlyKeys("10.0.0.2:80");
    assertThat(stat("health_check.failure")).isEqualTo(1);

    // An update that keeps b and adds c: b stays healthy, c waits for its first probe.
    HostImpl b2 = host(2), c = host(3);
    ClusterRuntime updated = cluster(withHealthCheck(), List.of(b2, c));
    assertThat(b2.healthy()).isTrue();
    assertThat(c.healthFlags()).isEqualTo("/failed_active_hc");
    assertThat(picks(updated, 20)).containsOnlyKeys("10.0.0.2:80");
    env.advanceSeconds(0);
    env.answer(c, ProbeResult.HEALTHY);
    assertThat(picks(updated, 20)).containsOnlyKeys("10.0.0.2:80", "10.0.0.3:80");

    // Without health checks every host is usable again; closing stops the probes.
    cluster(Cluster.newBuilder().setName("c").build(), List.of(host(2), host(3)));
    assertThat(c.healthy()).isTrue();
    env.probes.clear();
    env.advanceSeconds(60);
    assertThat(env.probes).isEmpty();
  }

  @Test
  void aRemovedClusterStopsProbingAndStartsOverWhenItComesBack() {
    HostImpl a = host(1);
    ClusterRuntime cl = cluster(withHealthCheck(), List.of(a));
    env.advanceSeconds(0);
    env.answer(a, ProbeResult.HEALTHY);
    cl.deactivate();
    env.advanceSeconds(60);
    assertThat(env.probes).isEmpty();
    HostImpl again = host(1);
    cluster(withHealthCheck(), List.of(again));
    assertThat(again.healthFlags()).isEqualTo("/failed_active_hc");
    env.advanceSeconds(0);
    env.answer(again, ProbeResult.HEALTHY);
    assertThat(again.healthy()).isTrue();
  }

  @Test
  void healthChecksGoToTheEndpointsHealthCheckPortWhenSet() {
    HostImpl a = new HostImpl(new InetSocketAddress("10.0.0.1", 80), "", 1, Locality.getDefaultInstance(), 0,
        true, "HEALTHY", new HostStats(), 8081);
    cluster(withHealthCheck(), List.of(a));
    env.advanceSeconds(0);
    assertThat(env.probes).containsOnlyKeys(new InetSocketAddress("10.0.0.1", 8081));
  }

  @Test
  void badHealthCheckAndOutlierConfigIsRejectedNamingTheField() {
    Cluster grpc = Cluster.newBuilder().setName("c").addHealthChecks(HealthCheck.newBuilder()
        .setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.getDefaultInstance())).build();
    assertThatThrownBy(() -> ClusterHealth.validate(grpc, "Cluster \"c\""))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("Cluster \"c\".health_checks[0].grpc_health_check");
    Cluster none = Cluster.newBuilder().setName("c").addHealthChecks(HealthCheck.getDefaultInstance()).build();
    assertThatThrownBy(() -> ClusterHealth.validate(none, "Cluster \"c\""))
        .hasMessageContaining("health_checks[0]: one of http_health_check, tcp_health_check is required");
    Cluster pct = Cluster.newBuilder().setName("c")
        .setOutlierDetection(OutlierDetection.newBuilder().setMaxEjectionPercent(150)).build();
    assertThatThrownBy(() -> ClusterHealth.validate(pct, "Cluster \"c\""))
        .hasMessage("Cluster \"c\".outlier_detection.max_ejection_percent: 150 is not a percentage (0-100)");
  }
}
