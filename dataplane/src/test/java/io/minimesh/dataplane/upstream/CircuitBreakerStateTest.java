package io.minimesh.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.stats.StatsRegistry;
import org.junit.jupiter.api.Test;

class CircuitBreakerStateTest {
  final StatsRegistry registry = new StatsRegistry();
  final CircuitBreakerState cb = new CircuitBreakerState(registry, "c");

  long gauge(String name) {
    return registry.snapshot().get("cluster.c.circuit_breakers.default." + name);
  }

  @Test
  void aResourceOpensAtItsLimitAndClosesWhenReleased() {
    assertThat(cb.requests.tryAcquire(2)).isTrue();
    assertThat(gauge("rq_open")).isZero();
    assertThat(gauge("remaining_rq")).isEqualTo(1);
    assertThat(cb.requests.tryAcquire(2)).isTrue();
    assertThat(gauge("rq_open")).isEqualTo(1);
    assertThat(cb.requests.tryAcquire(2)).isFalse();
    assertThat(cb.requests.count()).isEqualTo(2);
    cb.requests.release(2);
    assertThat(gauge("rq_open")).isZero();
    assertThat(gauge("remaining_rq")).isEqualTo(1);
  }

  @Test
  void forcedAcquisitionsCountButNeverGoBelowZeroRemaining() {
    cb.connections.forceAcquire(1);
    cb.connections.forceAcquire(1);
    assertThat(gauge("cx_open")).isEqualTo(1);
    assertThat(gauge("remaining_cx")).isZero();
    assertThat(cb.connections.tryAcquire(1)).isFalse();
    cb.connections.release(1);
    assertThat(cb.connections.tryAcquire(1)).isFalse();
    cb.connections.release(1);
    assertThat(cb.connections.tryAcquire(1)).isTrue();
  }

  @Test
  void newLimitsRepublishTheGauges() {
    cb.retries.tryAcquire(3);
    cb.publish(1024, 1024, 1024, 1);
    assertThat(gauge("rq_retry_open")).isEqualTo(1);
    assertThat(gauge("remaining_retries")).isZero();
    assertThat(gauge("remaining_pending")).isEqualTo(1024);
  }
}
