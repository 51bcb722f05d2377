package io.minimesh.pilot.monitoring;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.LongSupplier;

/**
 * Pilot's metrics with Istio's names, rendered in Prometheus text format 0.0.4. Small and dependency
 * free on purpose: names must match Istio's exactly (Micrometer would append _total to counters).
 */
public final class PilotMetrics {
  private static final double[] CONVERGENCE_BUCKETS = {0.1, 0.5, 1, 3, 5, 10, 20, 30};
  private static final double[] DEBOUNCE_BUCKETS = {0.01, 0.1, 1, 3, 5, 10, 20, 30};

  private final Map<String, AtomicLong> pushes = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> rejects = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> expiredNonces = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> triggers = new ConcurrentHashMap<>();
  private final Histogram convergence = new Histogram(CONVERGENCE_BUCKETS);
  private final Histogram debounce = new Histogram(DEBOUNCE_BUCKETS);
  private final AtomicLong invalidConfig = new AtomicLong();
  private final AtomicLong configMessages = new AtomicLong();
  private volatile LongSupplier connected = () -> 0;

  public void connectedProxies(LongSupplier s) {
    connected = s;
  }

  /** A response of this type (short name: cds, eds, lds, rds, sds) was sent. */
  public void push(String type) {
    pushes.computeIfAbsent(type.toLowerCase(Locale.ROOT), k -> new AtomicLong()).incrementAndGet();
  }

  public void reject(String type) {
    rejects.computeIfAbsent(type.toLowerCase(Locale.ROOT), k -> new AtomicLong()).incrementAndGet();
  }

  public void expiredNonce(String type) {
    expiredNonces.computeIfAbsent(type.toLowerCase(Locale.ROOT), k -> new AtomicLong()).incrementAndGet();
  }

  /** A push was triggered by "config" or "endpoint" changes. */
  public void trigger(String kind) {
    triggers.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  public void convergence(double seconds) {
    convergence.observe(seconds);
  }

  public void debounce(double seconds) {
    debounce.observe(seconds);
  }

  public void invalidConfig(long n) {
    invalidConfig.set(n);
  }

  public void configMessages(long n) {
    configMessages.set(n);
  }

  public long pushes(String type) {
    AtomicLong v = pushes.get(type.toLowerCase(Locale.ROOT));
    return v == null ? 0 : v.get();
  }

  public long rejects(String type) {
    AtomicLong v = rejects.get(type.toLowerCase(Locale.ROOT));
    return v == null ? 0 : v.get();
  }

  public long invalidConfig() {
    return invalidConfig.get();
  }

  public String scrape() {
    StringBuilder sb = new StringBuilder();
    gauge(sb, "pilot_xds", "Number of endpoints connected to this pilot using XDS.", connected.getAsLong());
    counter(sb, "pilot_xds_pushes", "Pilot build and send errors for lds, rds, cds and eds.", "type", pushes);
    counter(sb, "pilot_total_xds_rejects", "Total number of XDS responses from pilot rejected by proxy.", "type", rejects);
    counter(sb, "pilot_xds_expired_nonce", "Total number of XDS requests with an expired nonce.", "type", expiredNonces);
    counter(sb, "pilot_push_triggers", "Total number of times a push was triggered, labeled by reason.", "type", triggers);
    convergence.render(sb, "pilot_proxy_convergence_time", "Delay in seconds between config change and a proxy receiving all required configuration.");
    debounce.render(sb, "pilot_debounce_time", "Delay in seconds between the first config enters debouncing and the merged push request is pushed.");
    gauge(sb, "pilot_invalid_config", "Number of resources rejected by validation (invalid config).", invalidConfig.get());
    gauge(sb, "pilot_config_messages", "Number of analysis messages (errors and warnings) for the current config.", configMessages.get());
    return sb.toString();
  }

  private static void gauge(StringBuilder sb, String name, String help, long v) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" gauge\n");
    sb.append(name).append(' ').append(v).append('\n');
  }

  private static void counter(StringBuilder sb, String name, String help, String label, Map<String, AtomicLong> values) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" counter\n");
    new TreeMap<>(values).forEach((k, v) -> sb.append(name).append('{').append(label).append("=\"").append(k).append("\"} ").append(v.get()).append('\n'));
  }

  static final class Histogram {
    private final double[] bounds;
    private final AtomicLong[] counts;
    private final AtomicLong count = new AtomicLong();
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double[] bounds) {
      this.bounds = bounds;
      this.counts = new AtomicLong[bounds.length];
      for (int i = 0; i < bounds.length; i++) counts[i] = new AtomicLong();
    }

    void observe(double v) {
      for (int i = 0; i < bounds.length; i++) if (v <= bounds[i]) counts[i].incrementAndGet();
      count.incrementAndGet();
      sum.add(v);
    }

    void render(StringBuilder sb, String name, String help) {
      sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
      sb.append("# TYPE ").append(name).append(" histogram\n");
      for (int i = 0; i < bounds.length; i++) {
        sb.append(name).append("_bucket{le=\"").append(fmt(bounds[i])).append("\"} ").append(counts[i].get()).append('\n');
      }
      sb.append(name).append("_bucket{le=\"+Inf\"} ").append(count.get()).append('\n');
      sb.append(name).append("_sum ").append(sum.sum()).append('\n');
      sb.append(name).append("_count ").append(count.get()).append('\n');
    }

    private static String fmt(double d) {
      return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
  }
}
