package io.minimesh.dataplane.upstream;

import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.stats.StatsRegistry.Gauge;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster's circuit breaker counts for the default routing priority (Envoy's ResourceManager):
 * open connections, pending requests, active requests and active retries, shared by every event
 * loop and kept across config updates of the same cluster name, so connections opened under an
 * older config still count. The limits come from the {@link ClusterRuntime} that acquires, so a
 * config update changes them at once.
 *
 * <p>Gauges, as Envoy names them: {@code circuit_breakers.default.cx_open|rq_pending_open|rq_open|
 * rq_retry_open} (1 while the limit is reached) and {@code remaining_cx|remaining_pending|
 * remaining_rq|remaining_retries}.
 */
public final class CircuitBreakerState {
  /** One counted resource with its open/remaining gauges. */
  public static final class Resource {
    private final AtomicInteger count = new AtomicInteger();
    private final Gauge open;
    private final Gauge remaining;

    Resource(Gauge open, Gauge remaining) {
      this.open = open;
      this.remaining = remaining;
    }

    /** Takes one unit when fewer than {@code max} are in use. */
    public boolean tryAcquire(int max) {
      while (true) {
        int c = count.get();
        if (c >= max) {
          publish(c, max);
          return false;
        }
        if (count.compareAndSet(c, c + 1)) {
          publish(c + 1, max);
          return true;
        }
      }
    }

    /** Takes one unit regardless of the limit (Envoy lets a pool with no connection open one). */
    public void forceAcquire(int max) {
      publish(count.incrementAndGet(), max);
    }

    public void release(int max) {
      publish(count.decrementAndGet(), max);
    }

    public int count() {
      return count.get();
    }

    void publish(int c, int max) {
      open.set(c >= max ? 1 : 0);
      remaining.set(Math.max(0, (long) max - c));
    }
  }

  public final Resource connections;
  public final Resource pendingRequests;
  public final Resource requests;
  public final Resource retries;

  public CircuitBreakerState(StatsRegistry registry, String clusterName) {
    String p = "cluster." + clusterName + ".circuit_breakers.default.";
    connections = new Resource(registry.gauge(p + "cx_open"), registry.gauge(p + "remaining_cx"));
    pendingRequests =
        new Resource(registry.gauge(p + "rq_pending_open"), registry.gauge(p + "remaining_pending"));
    requests = new Resource(registry.gauge(p + "rq_open"), registry.gauge(p + "remaining_rq"));
    retries = new Resource(registry.gauge(p + "rq_retry_open"), registry.gauge(p + "remaining_retries"));
  }

  /** Re-publishes the gauges for new limits (a config update). */
  void publish(int maxConnections, int maxPending, int maxRequests, int maxRetries) {
    connections.publish(connections.count(), maxConnections);
    pendingRequests.publish(pendingRequests.count(), maxPending);
    requests.publish(requests.count(), maxRequests);
    retries.publish(retries.count(), maxRetries);
  }
}
