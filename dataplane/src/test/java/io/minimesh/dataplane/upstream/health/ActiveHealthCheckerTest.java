package io.minimesh.dataplane.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import io.minimesh.api.xds.v1.HealthCheck;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ActiveHealthCheckerTest {
  static final InetSocketAddress A = new InetSocketAddress("10.0.0.1", 80);
  static final InetSocketAddress B = new InetSocketAddress("10.0.0.2", 80);

  /** Time advances only when the test says so. */
  static final class FakeScheduler implements Scheduler {
    record Task(long due, long seq, Runnable run, boolean[] cancelled) {}

    long now;
    long seq;
    final PriorityQueue<Task> tasks = new PriorityQueue<>(
        (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));

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
        if (!t.cancelled[0]) {
          t.run.run();
        }
      }
      now = until;
    }

    long live() {
      return tasks.stream().filter(t -> !t.cancelled[0]).count();
    }
  }

  /** Probes wait until the test answers them. */
  static final class FakeProber implements Prober {
    final Map<InetSocketAddress, Deque<Consumer<ProbeResult>>> pending = new HashMap<>();
    int probes;

    @Override
    public void probe(InetSocketAddress address, Consumer<ProbeResult> done) {
      probes++;
      pending.computeIfAbsent(address, a -> new ArrayDeque<>()).add(done);
    }

    void answer(InetSocketAddress address, ProbeResult r) {
      pending.get(address).poll().accept(r);
    }

    int pendingFor(InetSocketAddress address) {
      return pending.getOrDefault(address, new ArrayDeque<>()).size();
    }
  }

  final FakeScheduler scheduler = new FakeScheduler();
  final FakeProber prober = new FakeProber();
  final List<String> changes = new ArrayList<>();

  ActiveHealthChecker<InetSocketAddress> checker(HealthCheck config) {
    return new ActiveHealthChecker<>(config, a -> a, prober, scheduler,
        (host, healthy) -> changes.add(host.getAddress().getHostAddress() + "=" + healthy));
  }

  static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  static HealthCheck config(int unhealthy, int healthy) {
    return HealthCheck.newBuilder().setInterval(seconds(5)).setTimeout(seconds(1))
        .setUnhealthyThreshold(unhealthy).setHealthyThreshold(healthy)
        .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath("/healthz"))
        .build();
  }

  @Test
  void newHostIsUnhealthyUntilItsFirstProbeWhichRunsAtOnce() {
    ActiveHealthChecker<InetSocketAddress> c = checker(config(3, 2));
    c.updateHosts(List.of(A));
    assertThat(c.isHealthy(A)).isFalse();
    scheduler.advanceSeconds(0);
    assertThat(prober.pendingFor(A)).isEqualTo(1);
    prober.answer(A, ProbeResult.HEALTHY); // one success suffices the first time
    assertThat(c.isHealthy(A)).isTrue();
    assertThat(changes).containsExactly("10.0.0.1=true");
  }

  @Test
  void networkFailuresNeedTheThresholdActiveFailuresDoNot() {
    ActiveHealthChecker<InetSocketAddress> c = checker(config(3, 2));
    c.updateHosts(List.of(A, B));
    scheduler.advanceSeconds(0);
    prober.answer(A, ProbeResult.HEALTHY);
    prober.answer(B, ProbeResult.HEALTHY);
    for (int i = 0; i < 2; i++) {
      scheduler.advanceSeconds(5);
      prober.answer(A, i == 0 ? ProbeResult.TIMEOUT : ProbeResult.NETWORK_FAILURE);
      prober.answer(B, ProbeResult.HEALTHY);
    }
    assertThat(c.isHealthy(A)).isTrue();
    scheduler.advanceSeconds(5);
    prober.answer(A, ProbeResult.NETWORK_FAILURE);
    prober.answer(B, ProbeResult.ACTIVE_FAILURE);
    assertThat(c.isHealthy(A)).isFalse();
    assertThat(c.isHealthy(B)).isFalse();
  }

  @Test
  void recoveryNeedsHealthyThresholdConsecutiveSuccesses() {
    ActiveHealthChecker<InetSocketAddress> c = checker(config(1, 2));
    c.updateHosts(List.of(A));
    scheduler.advanceSeconds(0);
    prober.answer(A, ProbeResult.HEALTHY);
    scheduler.advanceSeconds(5);
    prober.answer(A, ProbeResult.TIMEOUT);
    assertThat(c.isHealthy(A)).isFalse();
    scheduler.advanceSeconds(5);
    prober.answer(A, ProbeResult.HEALTHY);
    scheduler.advanceSeconds(5);
    prober.answer(A, ProbeResult.TIMEOUT); // streak broken
    scheduler.advanceSeconds(5);
    prober.answer(A, ProbeResult.HEALTHY);
    assertThat(c.isHealthy(A)).isFalse();
    scheduler.advanceSeconds(5);
    prober.answer(A, ProbeResult.HEALTHY);
    assertThat(c.isHealthy(A)).isTrue();
    assertThat(changes).containsExactly("10.0.0.1=true", "10.0.0.1=false", "10.0.0.1=true");
  }

  @Test
  void unhealthyHostsAreProbedAtTheUnhealthyInterval() {
    ActiveHealthChecker<InetSocketAddress> c = checker(config(1, 1).toBuilder()
        .setUnhealthyInterval(seconds(30)).build());
    c.updateHosts(List.of(A));
    scheduler.advanceSeconds(0);
    prober.answer(A, ProbeResult.ACTIVE_FAILURE); // never healthy
    scheduler.advanceSeconds(29);
    assertThat(prober.probes).isEqualTo(1);
    scheduler.advanceSeconds(1);
    assertThat(prober.probes).isEqualTo(2);
    prober.answer(A, ProbeResult.HEALTHY);
    scheduler.advanceSeconds(5);
    assertThat(prober.probes).isEqualTo(3);
    assertThat(c.isHealthy(A)).isTrue();
  }

  @Test
  void removedHostsStopBeingProbedAndCloseStopsAll() {
    ActiveHealthChecker<InetSocketAddress> c = checker(config(1, 1));
    c.updateHosts(List.of(A, B));
    scheduler.advanceSeconds(0);
    prober.answer(A, ProbeResult.HEALTHY);
    c.updateHosts(List.of(A));
    prober.answer(B, ProbeResult.HEALTHY); // in flight when removed: ignored
    assertThat(c.isHealthy(B)).isFalse();
    assertThat(changes).containsExactly("10.0.0.1=true");
    c.close();
    assertThat(scheduler.live()).isZero();
  }

  @Test
  void withoutTrafficProbesUseTheNoTrafficInterval() {
    boolean[] traffic = {false};
    HealthCheck cfg = config(1, 1).toBuilder().setNoTrafficInterval(seconds(60)).build();
    ActiveHealthChecker<InetSocketAddress> c = new ActiveHealthChecker<>(cfg, a -> a, prober, scheduler,
        (host, healthy) -> {}, () -> traffic[0]);
    c.updateHosts(List.of(A));
    scheduler.advanceSeconds(0);
    prober.answer(A, ProbeResult.HEALTHY);
    scheduler.advanceSeconds(5);
    assertThat(prober.probes).isEqualTo(1);
    scheduler.advanceSeconds(55);
    assertThat(prober.probes).isEqualTo(2);
    traffic[0] = true;
    prober.answer(A, ProbeResult.HEALTHY);
    scheduler.advanceSeconds(5);
    assertThat(prober.probes).isEqualTo(3);
  }
}
