package io.minimesh.dataplane.admin;

import io.minimesh.dataplane.stats.StatsRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Envoy's /stats text and /stats/prometheus renderings of the {@link StatsRegistry}. */
public final class StatsRenderer {
  private StatsRenderer() {}

  /** {@code name: value} lines, sorted, optionally filtered by a regex (find semantics, like Envoy). */
  public static String text(StatsRegistry r, Pattern filter) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Long> e : r.snapshot().entrySet()) {
      if (filter != null && !filter.matcher(e.getKey()).find()) continue;
      sb.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    return sb.toString();
  }

  /** Prometheus text format, Envoy naming: {@code envoy_cluster_upstream_rq_total{envoy_cluster_name="x"} 3}. */
  public static String prometheus(StatsRegistry r, Pattern filter) {
    SortedMap<String, List<String>> byMetric = new TreeMap<>();
    Map<String, Boolean> isCounter = new TreeMap<>();
    for (Map.Entry<String, Long> e : r.snapshot().entrySet()) {
      String name = e.getKey();
      if (filter != null && !filter.matcher(name).find()) continue;
      StatsRegistry.TagRule rule = r.tagRuleFor(name);
      String metric;
      String labels = "";
      if (rule != null) {
        metric = "envoy_" + rule.kind() + "_" + sanitize(name.substring(rule.prefix().length()));
        labels = "{" + rule.label() + "=\"" + escape(rule.value()) + "\"}";
      } else {
        metric = "envoy_" + sanitize(name);
      }
      byMetric.computeIfAbsent(metric, k -> new ArrayList<>()).add(metric + labels + " " + e.getValue());
      isCounter.putIfAbsent(metric, r.isCounter(name));
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<String>> m : byMetric.entrySet()) {
      sb.append("# TYPE ").append(m.getKey()).append(isCounter.get(m.getKey()) ? " counter\n" : " gauge\n");
      for (String line : m.getValue()) sb.append(line).append('\n');
    }
    return sb.toString();
  }

  static String sanitize(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      sb.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
    }
    return sb.toString();
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
