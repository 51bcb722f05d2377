package io.minimesh.dataplane.upstream.health;

import io.minimesh.api.xds.v1.HealthCheck;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Active health checking of one cluster's hosts with Envoy's state machine.
 *
 * <ul>
 *   <li>A new host is unhealthy until its first probe (Envoy marks added hosts FAILED_ACTIVE_HC);
 *       the first probe runs at once and one success makes it healthy.
 *   <li>After that, {@code healthy_threshold} consecutive successes make an unhealthy host healthy;
 *       {@code unhealthy_threshold} consecutive network failures or timeouts make a healthy host
 *       unhealthy, while an active failure (a wrong HTTP status) does so at once.
 *   <li>Probes repeat every {@code interval}, or {@code unhealthy_interval} (when set) while the
 *       host is unhealthy. Until the cluster has carried traffic (the owner's {@code hadTraffic}),
 *       they repeat every {@code no_traffic_interval} instead (default 60 s), as in Envoy.
 * </ul>
 *
 * <p>Unset values take defaults (Envoy requires them): timeout 1 s, interval 10 s, thresholds 1 for
 * zero. Single-threaded: the scheduler and prober run everything on one thread, where the owner
 * also calls {@link #updateHosts} and {@link #close}; the listener is called there too.
 *
 * @param <H> the owner's host type, compared by identity
 */
public final class ActiveHealthChecker<H> {
  /** Told when a host's active health changes. */
  @FunctionalInterface
  public interface Listener<H> {
    void onChange(H host, boolean healthy);
  }

  private final Function<? super H, InetSocketAddress> address;
  private final Prober prober;
  private final Scheduler scheduler;
  private final Listener<H> listener;
  private final long intervalNanos;
  private final long unhealthyIntervalNanos;
  private final int healthyThreshold;
  private final int unhealthyThreshold;
  private final long noTrafficIntervalNanos;
  private final java.util.function.BooleanSupplier hadTraffic;
  private final Map<H, State> states = new IdentityHashMap<>();
  private boolean closed;

  private final class State {
    final H host;
    boolean healthy;
    boolean checked;
    int successes;
    int failures;
    boolean removed;
    boolean started;
    Runnable cancel;

    State(H host) {
      this.host = host;
    }

    void probe() {
      cancel = null;
      if (removed || closed) {
        return;
      }
      prober.probe(address.apply(host), this::onResult);
    }

    void onResult(ProbeResult result) {
      if (removed || closed) {
        return;
      }
      boolean was = healthy;
      boolean first = !checked;
      checked = true;
      if (result == ProbeResult.HEALTHY) {
        failures = 0;
        if (!healthy && (first || ++successes >= healthyThreshold)) {
          healthy = true;
          successes = 0;
        }
      } else {
        successes = 0;
        if (healthy && (result == ProbeResult.ACTIVE_FAILURE
            || ++failures >= unhealthyThreshold)) {
          healthy = false;
          failures = 0;
        }
      }
      long next = !hadTraffic.getAsBoolean() ? noTrafficIntervalNanos
          : healthy ? intervalNanos : unhealthyIntervalNanos;
      cancel = scheduler.schedule(this::probe, next);
      if (was != healthy) {
        listener.onChange(host, healthy);
      }
    }
  }

  public ActiveHealthChecker(HealthCheck config, Function<? super H, InetSocketAddress> address,
      Prober prober, Scheduler scheduler, Listener<H> listener) {
    this(config, address, prober, scheduler, listener, () -> true);
  }

  /**
   * @param hadTraffic whether the cluster has ever opened an upstream connection; until then probes
   *     use {@code no_traffic_interval}
   */
  public ActiveHealthChecker(HealthCheck config, Function<? super H, InetSocketAddress> address,
      Prober prober, Scheduler scheduler, Listener<H> listener,
      java.util.function.BooleanSupplier hadTraffic) {
    this.hadTraffic = Objects.requireNonNull(hadTraffic, "hadTraffic");
    noTrafficIntervalNanos = nanosOr(config.hasNoTrafficInterval() ? config.getNoTrafficInterval() : null,
        Duration.ofSeconds(60));
    this.address = Objects.requireNonNull(address, "address");
    this.prober = Objects.requireNonNull(prober, "prober");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.listener = Objects.requireNonNull(listener, "listener");
    intervalNanos = nanosOr(config.hasInterval() ? config.getInterval() : null,
        Duration.ofSeconds(10));
    unhealthyIntervalNanos = config.hasUnhealthyInterval()
        ? nanosOr(config.getUnhealthyInterval(), Duration.ofNanos(intervalNanos))
        : intervalNanos;
    healthyThreshold = Math.max(1, config.getHealthyThreshold());
    unhealthyThreshold = Math.max(1, config.getUnhealthyThreshold());
  }

  static long nanosOr(com.google.protobuf.Duration d, Duration dflt) {
    long n = d == null ? 0 : d.getSeconds() * 1_000_000_000L + d.getNanos();
    return n > 0 ? n : dflt.toNanos();
  }

  /** The probe timeout the prober should use (default 1 s). */
  public static Duration timeout(HealthCheck config) {
    return Duration.ofNanos(nanosOr(config.hasTimeout() ? config.getTimeout() : null,
        Duration.ofSeconds(1)));
  }

  /** The cluster's current hosts: new ones start (unhealthy, probed at once), gone ones stop. */
  public void updateHosts(Collection<? extends H> hosts) {
    Map<H, State> next = new IdentityHashMap<>();
    for (H h : hosts) {
      State s = states.remove(h);
      next.put(h, s != null ? s : new State(h));
    }
    for (State gone : states.values()) {
      stop(gone);
    }
    states.clear();
    states.putAll(next);
    for (State s : states.values()) {
      if (!s.started && !closed) {
        s.started = true;
        s.cancel = scheduler.schedule(s::probe, 0);
      }
    }
  }

  private static void stop(ActiveHealthChecker<?>.State s) {
    s.removed = true;
    if (s.cancel != null) {
      s.cancel.run();
      s.cancel = null;
    }
  }

  /** Healthy by active checks (false until the first probe succeeded, and for unknown hosts). */
  public boolean isHealthy(H host) {
    State s = states.get(host);
    return s != null && s.healthy;
  }

  /** Whether the host has had at least one probe result. */
  public boolean isChecked(H host) {
    State s = states.get(host);
    return s != null && s.checked;
  }

  /** Stops all probing. */
  public void close() {
    closed = true;
    for (State s : states.values()) {
      stop(s);
    }
  }
}
