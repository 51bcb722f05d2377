package io.minimesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The JMH microbenchmarks of the proxy's hot paths, as the harness runs and tabulates them. */
final class Jmh {
  private Jmh() {}

  /** Benchmarks in the bench module (package of the proxy class each measures). */
  static final String INCLUDE = "io\\.minimesh\\.dataplane\\..*Benchmark";

  static List<String> args(boolean quick) {
    List<String> a = new ArrayList<>();
    if (quick) {
      // Seconds, not minutes: one short warm-up and measurement, two LB policies at 100 hosts.
      a.addAll(List.of("-f", "1", "-wi", "1", "-w", "1s", "-i", "2", "-r", "500ms",
          "-p", "policy=ROUND_ROBIN,MAGLEV", "-p", "hosts=100"));
    } else {
      // Every policy and route count; three 1 s measurements after two warm-ups keep the full run
      // near five minutes on two cores (3 hosts is the same code path as 100 for every policy).
      a.addAll(List.of("-f", "1", "-wi", "2", "-w", "1s", "-i", "3", "-r", "1s", "-p", "hosts=100,1000"));
    }
    a.add(INCLUDE);
    return a;
  }

  static List<Map<String, Object>> read(Path json) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (JsonNode b : new ObjectMapper().readTree(json.toFile())) {
      Map<String, Object> r = new LinkedHashMap<>();
      String name = b.get("benchmark").asText();
      r.put("benchmark", name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1));
      Map<String, String> params = new LinkedHashMap<>();
      if (b.has("params")) b.get("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
      r.put("params", params);
      r.put("score", b.get("primaryMetric").get("score").asDouble());
      r.put("error", b.get("primaryMetric").get("scoreError").asDouble());
      r.put("unit", b.get("primaryMetric").get("scoreUnit").asText());
      rows.add(r);
    }
    return rows;
  }

  @SuppressWarnings("unchecked")
  static List<String> table(List<Map<String, Object>> rows, boolean quick) {
    List<String> t = new ArrayList<>();
    t.add("### JMH microbenchmarks (proxy hot paths, one pinned core%s)".formatted(quick ? ", quick: short iterations" : ""));
    t.add("");
    t.add("| benchmark | params | score | unit |");
    t.add("|---|---|---|---|");
    for (Map<String, Object> r : rows) {
      Map<String, String> p = (Map<String, String>) r.get("params");
      String params = p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
      double score = (double) r.get("score");
      t.add("| %s | %s | %s | %s |".formatted(r.get("benchmark"), params,
          score >= 100 ? "%.0f".formatted(score) : "%.1f".formatted(score), r.get("unit")));
    }
    t.add("");
    return t;
  }
}
