package io.minimesh.dataplane.stats;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * All of the proxy's counters and gauges, by their Envoy names ({@code cluster.<name>.upstream_rq_total}).
 * Meters are resolved once, when the config that names them arrives; the request path holds the
 * returned objects and never looks names up. The admin /stats and /stats/prometheus views read here.
 */
public final class StatsRegistry {
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Gauge> gauges = new ConcurrentHashMap<>();

  /** A monotonically increasing count. */
  public static final class Counter {
    private final LongAdder value = new LongAdder();

    public void inc() {
      value.increment();
    }

    public void add(long n) {
      value.add(n);
    }

    public long get() {
      return value.sum();
    }
  }

  /** A value that goes up and down. */
  public static final class Gauge {
    private final AtomicLong value = new AtomicLong();

    public void inc() {
      value.incrementAndGet();
    }

    public void dec() {
      value.decrementAndGet();
    }

    public void set(long v) {
      value.set(v);
    }

    public long get() {
      return value.get();
    }
  }

  public Counter counter(String name) {
    return counters.computeIfAbsent(name, n -> new Counter());
  }

  public Gauge gauge(String name) {
    return gauges.computeIfAbsent(name, n -> new Gauge());
  }

  /** Every counter and gauge, sorted by name. */
  public SortedMap<String, Long> snapshot() {
    TreeMap<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, Counter> e : counters.entrySet()) out.put(e.getKey(), e.getValue().get());
    for (Map.Entry<String, Gauge> e : gauges.entrySet()) out.put(e.getKey(), e.getValue().get());
    return out;
  }

  /** Tag rule for Prometheus rendering: stats under {@code prefix} become {@code envoy_<kind>_<rest>{label="value"}}. */
  public record TagRule(String prefix, String kind, String label, String value) {}

  private final ConcurrentHashMap<String, TagRule> tagRules = new ConcurrentHashMap<>();

  /** Registers how names under {@code prefix} (e.g. "cluster.outbound|80||a.b.") are tagged. */
  public void tag(String prefix, String kind, String label, String value) {
    tagRules.putIfAbsent(prefix, new TagRule(prefix, kind, label, value));
  }

  /** The longest tag rule whose prefix starts {@code name}, or null. */
  public TagRule tagRuleFor(String name) {
    TagRule best = null;
    for (TagRule r : tagRules.values()) {
      if (name.startsWith(r.prefix()) && (best == null || r.prefix().length() > best.prefix().length())) {
        best = r;
      }
    }
    return best;
  }

  public boolean isCounter(String name) {
    return counters.containsKey(name);
  }
}
