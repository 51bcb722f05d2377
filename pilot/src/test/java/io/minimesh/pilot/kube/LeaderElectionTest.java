package io.minimesh.pilot.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two pilots compete for the Lease on the mock API server; the test moves time by hand. */
@EnableKubernetesMockClient(crud = true)
class LeaderElectionTest {
  KubernetesClient client;

  /** A clock the test advances. */
  static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-11-25T21:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private LeaderElection elector(String id, ManualClock clock, List<String> events) {
    return new LeaderElection(client, "minimesh-system", LeaderElection.LEASE_NAME, id, Duration.ofSeconds(15), clock,
        new LeaderElection.Listener() {
          @Override
          public void startedLeading() {
            events.add(id + " leads");
          }

          @Override
          public void stoppedLeading() {
            events.add(id + " stops");
          }
        });
  }

  @Test
  void oneLeaderAtATimeAndTakeoverAfterExpiry() {
    ManualClock clockA = new ManualClock();
    ManualClock clockB = new ManualClock();
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    LeaderElection a = elector("pilot-a", clockA, events);
    LeaderElection b = elector("pilot-b", clockB, events);

    assertThat(a.tick()).isTrue();
    assertThat(b.tick()).isFalse();
    var lease = client.leases().inNamespace("minimesh-system").withName("minimesh-pilot-leader").get();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("pilot-a");
    assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(15);

    // A renews within its lease: B still waits.
    clockA.now = clockA.now.plusSeconds(10);
    clockB.now = clockB.now.plusSeconds(10);
    assertThat(a.tick()).isTrue();
    clockB.now = clockB.now.plusSeconds(10);
    assertThat(b.tick()).isFalse();

    // A stops renewing (hung, partitioned): once its lease expires B takes over, and A steps down.
    clockB.now = clockB.now.plusSeconds(6);
    assertThat(b.tick()).isTrue();
    lease = client.leases().inNamespace("minimesh-system").withName("minimesh-pilot-leader").get();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("pilot-b");
    assertThat(lease.getSpec().getLeaseTransitions()).isEqualTo(1);
    clockA.now = clockB.now;
    assertThat(a.tick()).isFalse();
    assertThat(events).containsExactly("pilot-a leads", "pilot-b leads", "pilot-a stops");
  }

  @Test
  void closingTheLeaderHandsTheLeaseOverAtOnce() {
    ManualClock clock = new ManualClock();
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    LeaderElection a = elector("pilot-a", clock, events);
    LeaderElection b = elector("pilot-b", clock, events);
    assertThat(a.tick()).isTrue();
    a.close();
    assertThat(a.isLeader()).isFalse();
    assertThat(b.tick()).isTrue();
    assertThat(events).containsExactly("pilot-a leads", "pilot-a stops", "pilot-b leads");
  }
}
