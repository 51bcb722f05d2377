package io.minimesh.dataplane.upstream.outlier;

import io.minimesh.api.xds.v1.OutlierDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Passive health checking of one cluster's hosts (Envoy's outlier detection, consecutive-error
 * detectors). Hosts are ejected when they reach {@code consecutive_5xx} consecutive 5xx responses,
 * {@code consecutive_gateway_failure} consecutive 502/503/504, or (with
 * {@code split_external_local_origin_errors}) {@code consecutive_local_origin_failure} consecutive
 * connect failures/timeouts/resets. An ejection happens at once, if the detector's enforcing
 * percentage rolls it and ejecting keeps ejected hosts within {@code max_ejection_percent} (at
 * least one host can always be ejected, as in Envoy).
 *
 * <p>An ejected host comes back on the first {@link #onInterval() interval tick} at least
 * {@code base_ejection_time × k} after its ejection, capped at 300 s, where k counts its
 * ejections and shrinks by one for every interval it then stays healthy. Coming back resets its
 * counters, so a host is not re-ejected by an error or two left from before.
 *
 * <p>Defaults (Envoy's): consecutive_5xx 5 (enforced 100 %), consecutive_gateway_failure 5
 * (enforced 0 %, i.e. counted but not ejecting unless configured), consecutive_local_origin_failure
 * 5, interval 10 s, base_ejection_time 30 s, max_ejection_percent 10. Without split, local-origin
 * failures count as responses: connect failure and reset as 503, timeout as 504.
 *
 * <p>Not thread-safe: the owner calls it from one thread (the cluster's serializing executor),
 * posts results from event loops to it, calls {@link #onInterval()} every {@link #interval()}, and
 * rebuilds its load balancers when the listener reports a change. Time comes from the injected
 * monotonic clock (nanoseconds), randomness from the injected generator.
 *
 * @param <H> the owner's host type, compared by identity
 */
public final class OutlierDetector<H> {
  /** Why a host was ejected; names follow Envoy's ejection stats. */
  public enum EjectionType {
    CONSECUTIVE_5XX("consecutive_5xx"),
    CONSECUTIVE_GATEWAY_FAILURE("consecutive_gateway_failure"),
    CONSECUTIVE_LOCAL_ORIGIN_FAILURE("consecutive_local_origin_failure");

    private final String statName;

    EjectionType(String statName) {
      this.statName = statName;
    }

    /** e.g. {@code consecutive_5xx}, as in {@code outlier_detection.ejections_enforced_<name>}. */
    public String statName() {
      return statName;
    }
  }

  /** A failure the proxy saw itself, before or instead of an upstream response. */
  public enum LocalOriginFailure {
    CONNECT_FAILED(503),
    TIMEOUT(504),
    RESET(503);

    final int asStatus;

    LocalOriginFailure(int asStatus) {
      this.asStatus = asStatus;
    }
  }

  /** Told when a host is ejected or comes back, on the thread that caused it. */
  @FunctionalInterface
  public interface Listener<H> {
    void onChange(H host, boolean ejected, EjectionType typeOrNull);
  }

  static final long MAX_EJECTION_NANOS = Duration.ofSeconds(300).toNanos();

  private final LongSupplier nanoClock;
  private final RandomGenerator random;
  private final Listener<H> listener;
  private final int consecutive5xx;
  private final int consecutiveGatewayFailure;
  private final int consecutiveLocalOriginFailure;
  private final int enforcing5xx;
  private final int enforcingGatewayFailure;
  private final boolean split;
  private final long intervalNanos;
  private final long baseEjectionNanos;
  private final int maxEjectionPercent;

  private final Map<H, Monitor> monitors = new IdentityHashMap<>();
  private int ejectionsActive;
  private long ejectionsEnforcedTotal;
  private long ejectionsOverflow;
  private final Map<EjectionType, long[]> detected = new EnumMap<>(EjectionType.class);
  private final Map<EjectionType, long[]> enforced = new EnumMap<>(EjectionType.class);

  private static final class Monitor {
    int consecutive5xx;
    int consecutiveGateway;
    int consecutiveLocal;
    boolean ejected;
    int backoff;
    long ejectedAt;
    long unejectedAt = Long.MIN_VALUE;
    boolean everUnejected;
    long ejectionCount;
  }

  public OutlierDetector(OutlierDetection config, LongSupplier nanoClock, RandomGenerator random,
      Listener<H> listener) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.random = Objects.requireNonNull(random, "random");
    this.listener = Objects.requireNonNull(listener, "listener");
    consecutive5xx = config.hasConsecutive5Xx() ? config.getConsecutive5Xx() : 5;
    consecutiveGatewayFailure =
        config.hasConsecutiveGatewayFailure() ? config.getConsecutiveGatewayFailure() : 5;
    consecutiveLocalOriginFailure = config.hasConsecutiveLocalOriginFailure()
        ? config.getConsecutiveLocalOriginFailure() : 5;
    enforcing5xx = config.hasEnforcingConsecutive5Xx()
        ? Math.min(100, config.getEnforcingConsecutive5Xx()) : 100;
    enforcingGatewayFailure = config.hasEnforcingConsecutiveGatewayFailure()
        ? Math.min(100, config.getEnforcingConsecutiveGatewayFailure()) : 0;
    split = config.getSplitExternalLocalOriginErrors();
    intervalNanos = positiveOr(config.hasInterval() ? toNanos(config.getInterval()) : 0,
        Duration.ofSeconds(10).toNanos());
    baseEjectionNanos = positiveOr(
        config.hasBaseEjectionTime() ? toNanos(config.getBaseEjectionTime()) : 0,
        Duration.ofSeconds(30).toNanos());
    maxEjectionPercent = config.hasMaxEjectionPercent()
        ? Math.min(100, config.getMaxEjectionPercent()) : 10;
    for (EjectionType t : EjectionType.values()) {
      detected.put(t, new long[1]);
      enforced.put(t, new long[1]);
    }
  }

  private static long toNanos(com.google.protobuf.Duration d) {
    return d.getSeconds() * 1_000_000_000L + d.getNanos();
  }

  private static long positiveOr(long v, long dflt) {
    return v > 0 ? v : dflt;
  }

  /** How often the owner must call {@link #onInterval()}. */
  public Duration interval() {
    return Duration.ofNanos(intervalNanos);
  }

  /**
   * The cluster's current hosts (after an EDS/DNS change): new hosts start clean, removed hosts are
   * forgotten (an ejected one no longer counts as active).
   */
  public void updateHosts(Collection<? extends H> hosts) {
    Map<H, Monitor> keep = new IdentityHashMap<>();
    for (H h : hosts) {
      Monitor m = monitors.get(h);
      keep.put(h, m != null ? m : new Monitor());
    }
    for (Map.Entry<H, Monitor> e : monitors.entrySet()) {
      if (!keep.containsKey(e.getKey()) && e.getValue().ejected) {
        ejectionsActive--;
      }
    }
    monitors.clear();
    monitors.putAll(keep);
  }

  /** An upstream response's status code (also for requests to hosts in panic mode). */
  public void reportHttpStatus(H host, int status) {
    Monitor m = monitors.get(host);
    if (m == null) {
      return;
    }
    if (status >= 500 && status <= 599) {
      if (status >= 502 && status <= 504) {
        if (++m.consecutiveGateway == consecutiveGatewayFailure) {
          onDetected(host, m, EjectionType.CONSECUTIVE_GATEWAY_FAILURE, enforcingGatewayFailure);
        }
      } else {
        m.consecutiveGateway = 0;
      }
      if (++m.consecutive5xx == consecutive5xx) {
        onDetected(host, m, EjectionType.CONSECUTIVE_5XX, enforcing5xx);
      }
    } else {
      m.consecutive5xx = 0;
      m.consecutiveGateway = 0;
    }
  }

  /** A connect failure, timeout or reset the proxy itself saw for a request to {@code host}. */
  public void reportLocalOriginFailure(H host, LocalOriginFailure failure) {
    if (!split) {
      reportHttpStatus(host, failure.asStatus);
      return;
    }
    Monitor m = monitors.get(host);
    if (m != null && ++m.consecutiveLocal == consecutiveLocalOriginFailure) {
      onDetected(host, m, EjectionType.CONSECUTIVE_LOCAL_ORIGIN_FAILURE, 100);
    }
  }

  /** A connection to {@code host} succeeded (resets local-origin failures when split). */
  public void reportLocalOriginSuccess(H host) {
    Monitor m = monitors.get(host);
    if (m != null && split) {
      m.consecutiveLocal = 0;
    }
  }

  private void onDetected(H host, Monitor m, EjectionType type, int enforcingPercent) {
    if (m.ejected) {
      return;
    }
    detected.get(type)[0]++;
    if (enforcingPercent <= 0 || random.nextInt(100) >= enforcingPercent) {
      return;
    }
    double percentAfter = 100.0 * (ejectionsActive + 1) / monitors.size();
    if (percentAfter > maxEjectionPercent && ejectionsActive > 0) {
      ejectionsOverflow++;
      return;
    }
    m.ejected = true;
    m.ejectedAt = nanoClock.getAsLong();
    m.ejectionCount++;
    // Envoy caps the multiplier so that base × backoff stays near the maximum ejection time.
    if (baseEjectionNanos * m.backoff < Math.max(MAX_EJECTION_NANOS, baseEjectionNanos)) {
      m.backoff++;
    }
    ejectionsActive++;
    ejectionsEnforcedTotal++;
    enforced.get(type)[0]++;
    listener.onChange(host, true, type);
  }

  /** The periodic tick: brings back hosts whose ejection time is over. */
  public void onInterval() {
    long now = nanoClock.getAsLong();
    List<H> back = new ArrayList<>();
    for (Map.Entry<H, Monitor> e : monitors.entrySet()) {
      Monitor m = e.getValue();
      if (!m.ejected) {
        // Healthy for a whole interval since it came back: forgive one ejection.
        if (m.everUnejected && now - m.unejectedAt >= intervalNanos && m.backoff > 0) {
          m.backoff--;
        }
        continue;
      }
      long ejection = Math.min(baseEjectionNanos * m.backoff,
          Math.max(MAX_EJECTION_NANOS, baseEjectionNanos));
      if (now - m.ejectedAt >= ejection) {
        m.ejected = false;
        m.unejectedAt = now;
        m.everUnejected = true;
        m.consecutive5xx = 0;
        m.consecutiveGateway = 0;
        m.consecutiveLocal = 0;
        ejectionsActive--;
        back.add(e.getKey());
      }
    }
    for (H h : back) {
      listener.onChange(h, false, null);
    }
  }

  public boolean isEjected(H host) {
    Monitor m = monitors.get(host);
    return m != null && m.ejected;
  }

  /** Times {@code host} has been ejected (for /clusters). */
  public long ejectionCount(H host) {
    Monitor m = monitors.get(host);
    return m == null ? 0 : m.ejectionCount;
  }

  /** {@code outlier_detection.ejections_active}. */
  public int ejectionsActive() {
    return ejectionsActive;
  }

  /** {@code outlier_detection.ejections_enforced_total}. */
  public long ejectionsEnforcedTotal() {
    return ejectionsEnforcedTotal;
  }

  /** {@code outlier_detection.ejections_overflow} (max_ejection_percent prevented an ejection). */
  public long ejectionsOverflow() {
    return ejectionsOverflow;
  }

  /** {@code outlier_detection.ejections_detected_<type>}. */
  public long ejectionsDetected(EjectionType type) {
    return detected.get(type)[0];
  }

  /** {@code outlier_detection.ejections_enforced_<type>}. */
  public long ejectionsEnforced(EjectionType type) {
    return enforced.get(type)[0];
  }
}
