package io.minimesh.pilot.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
 * {@code renewTime}; others take the Lease over once {@code renewTime + leaseDurationSeconds} has passed.
 * Every write carries the read resourceVersion, so of two candidates only one wins. Time comes from an
 * injected clock and {@link #tick()} is public, so tests drive elections step by step (Fabric8's
 * LeaderElector reads the wall clock, hence this small one).
 */
public final class LeaderElection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);
  public static final String LEASE_NAME = "minimesh-pilot-leader";

  /** What leadership gates. Called on the electing thread; keep it short. */
  public interface Listener {
    void startedLeading();

    void stoppedLeading();
  }

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final String identity;
  private final Duration leaseDuration;
  private final Clock clock;
  private final Listener listener;
  private volatile boolean leader;
  private Instant lastRenew = Instant.MIN;
  private ScheduledFuture<?> task;

  public LeaderElection(KubernetesClient client, String namespace, String name, String identity,
      Duration leaseDuration, Clock clock, Listener listener) {
    if (leaseDuration.toSeconds() < 1) throw new IllegalArgumentException("leaseDuration must be at least 1s");
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.identity = identity;
    this.leaseDuration = leaseDuration;
    this.clock = clock;
    this.listener = listener;
  }

  /** Ticks every {@code retryPeriod} on {@code timer} (client-go: 2s, lease 15s). */
  public void start(ScheduledExecutorService timer, Duration retryPeriod) {
    task = timer.scheduleWithFixedDelay(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        LOG.warn("leader election tick failed: {}", e.toString());
      }
    }, 0, retryPeriod.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean isLeader() {
    return leader;
  }

  public String identity() {
    return identity;
  }

  /** One round: acquire or renew the Lease; returns whether this candidate leads afterwards. */
  public synchronized boolean tick() {
    Instant now = clock.instant();
    boolean won;
    try {
      won = tryAcquireOrRenew(now);
    } catch (KubernetesClientException e) {
      // The API server is unreachable: keep leading only while our last renewal still holds.
      LOG.warn("cannot reach the Lease {}/{}: {}", namespace, name, e.getMessage());
      won = leader && lastRenew.plus(leaseDuration).isAfter(now);
    }
    transition(won);
    return won;
  }

  private boolean tryAcquireOrRenew(Instant now) {
    var op = client.leases().inNamespace(namespace).withName(name);
    Lease lease = op.get();
    if (lease == null) {
      Lease fresh = new LeaseBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
          .withNewSpec().withHolderIdentity(identity).withLeaseDurationSeconds((int) leaseDuration.toSeconds())
          .withAcquireTime(micro(now)).withRenewTime(micro(now)).withLeaseTransitions(0).endSpec().build();
      try {
        client.resource(fresh).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) return false; // another candidate created it first
        throw e;
      }
      lastRenew = now;
      return true;
    }
    var spec = lease.getSpec();
    String holder = spec.getHolderIdentity();
    boolean mine = identity.equals(holder);
    if (!mine && holder != null && !holder.isEmpty() && !expired(spec, now)) return false;
    if (!mine) {
      spec.setHolderIdentity(identity);
      spec.setAcquireTime(micro(now));
      spec.setLeaseTransitions(spec.getLeaseTransitions() == null ? 1 : spec.getLeaseTransitions() + 1);
    }
    spec.setLeaseDurationSeconds((int) leaseDuration.toSeconds());
    spec.setRenewTime(micro(now));
    try {
      client.resource(lease).update(); // carries the resourceVersion we read: optimistic lock
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) return false;
      throw e;
    }
    lastRenew = now;
    return true;
  }

  private static boolean expired(io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec spec, Instant now) {
    if (spec.getRenewTime() == null) return true;
    Instant renew = spec.getRenewTime().toInstant();
    int secs = spec.getLeaseDurationSeconds() == null ? 15 : spec.getLeaseDurationSeconds();
    return !renew.plusSeconds(secs).isAfter(now);
  }

  private void transition(boolean nowLeader) {
    if (nowLeader == leader) return;
    leader = nowLeader;
    LOG.info("{} {} leader ({}/{})", identity, nowLeader ? "became" : "is no longer", namespace, name);
    if (nowLeader) listener.startedLeading();
    else listener.stoppedLeading();
  }

  private static ZonedDateTime micro(Instant t) {
    return t.atZone(ZoneOffset.UTC);
  }

  /** Stops electing; a leader hands the Lease back (empty holder) so another replica takes over at once. */
  @Override
  public synchronized void close() {
    if (task != null) task.cancel(false);
    if (!leader) return;
    try {
      client.leases().inNamespace(namespace).withName(name).edit(l -> {
        if (identity.equals(l.getSpec().getHolderIdentity())) l.getSpec().setHolderIdentity("");
        return l;
      });
    } catch (KubernetesClientException e) {
      LOG.warn("cannot release the Lease {}/{}: {}", namespace, name, e.getMessage());
    }
    transition(false);
  }
}
