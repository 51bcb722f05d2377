package io.minimesh.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs the benchmark scenarios with their baselines measured in the same run, interleaved, and
 * writes the table to stdout, {@code docs/performance.md} and {@code target/bench/results.json}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run scenarios: latency, throughput, cost, startup (default: all).")
final class Harness implements Callable<Integer> {
  @Parameters(arity = "0..*", description = "Scenarios to run (latency throughput cost startup)")
  List<String> scenarios = new ArrayList<>();

  @Option(names = "--quick", description = "Short runs (one round, a few seconds each)")
  boolean quick;

  @Option(names = "--repo", defaultValue = ".", description = "Repository root (default: current dir)")
  Path repo;

  @Option(names = "--no-docs", description = "Do not rewrite docs/performance.md")
  boolean noDocs;

  private final Map<String, Object> results = new LinkedHashMap<>();
  private final List<String> table = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    List<String> missing = new ArrayList<>();
    for (String tool : List.of("nginx", "haproxy", "wrk", "h2load", "taskset")) {
      if (!onPath(tool)) missing.add(tool);
    }
    if (!missing.isEmpty()) {
      System.err.println("bench: missing tools " + missing
          + "; install the Debian packages: apt-get install nginx haproxy wrk nghttp2-client util-linux");
      return 1;
    }
    Path proxyJar = repo.resolve("dataplane/target/minimesh-dataplane-exec.jar").toAbsolutePath();
    if (!Files.exists(proxyJar)) {
      System.err.println("bench: " + proxyJar + " is missing; build with ./mvnw -B -pl dataplane -am package -DskipTests");
      return 1;
    }
    if (scenarios.isEmpty()) scenarios = List.of("latency", "throughput", "cost", "startup");
    Path work = Files.createTempDirectory("minimesh-bench");
    int cores = machineCores();
    // Proxies get the last core; load generator and upstream share the others.
    String proxyCpu = cores >= 2 ? String.valueOf(cores - 1) : null;
    try (Targets t = new Targets(work, proxyCpu)) {
      int base = 20000 + (int) (ProcessHandle.current().pid() % 1000) * 10;
      var up = t.upstream(base);
      var ng = t.nginxProxy(base + 2, base);
      var hp = t.haproxy(base + 3, base);
      var mm = t.minimesh(base + 4, base + 5, base, proxyJar, 100);
      awaitReady(base + 5);
      Map<String, Integer> ports = new LinkedHashMap<>();
      ports.put("direct", up.port());
      ports.put("nginx", ng.port());
      ports.put("haproxy", hp.port());
      ports.put("minimesh", mm.port());
      Map<String, Targets.Proc> procs = Map.of("nginx", ng, "haproxy", hp, "minimesh", mm);
      // Every target gets the same closed-loop warm-up first: a JVM proxy is measured after its JIT
      // has compiled the request path, as it would be after seconds of production traffic.
      for (int port : ports.values()) wrk(port, 64, quick ? 10 : 30);
      if (scenarios.contains("latency")) latency(ports);
      if (scenarios.contains("throughput")) throughput(ports);
      if (scenarios.contains("cost")) cost(ports, procs);
      if (scenarios.contains("startup")) startup(t, proxyJar, base);
    }
    write();
    return 0;
  }

  private void latency(Map<String, Integer> ports) throws Exception {
    int rounds = quick ? 1 : 3;
    Duration d = Duration.ofSeconds(quick ? 5 : 15);
    Map<String, List<Map<String, Long>>> byTarget = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (var e : ports.entrySet()) {
        var res = new OpenLoopLoadGenerator(new OpenLoopLoadGenerator.Config(
            URI.create("http://127.0.0.1:" + e.getValue() + "/"), null, 1000, 16, Duration.ofSeconds(2), d)).run();
        Map<String, Long> p = new LinkedHashMap<>();
        for (double q : new double[] {50, 90, 99, 99.9}) p.put("p" + q, Main.p(res.latencyUs(), q));
        p.put("errors", res.errors());
        byTarget.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(p);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    table.add("### Added latency per hop (1000 req/s, 16 connections, 1 KiB, HTTP/1.1), µs over direct");
    table.add("");
    table.add("| proxy | p50 | p90 | p99 | p99.9 | errors |");
    table.add("|---|---|---|---|---|---|");
    Map<String, Long> direct = median(byTarget.get("direct"));
    out.put("direct", direct);
    for (String name : List.of("nginx", "haproxy", "minimesh")) {
      Map<String, Long> m = median(byTarget.get(name));
      Map<String, Long> added = new LinkedHashMap<>();
      for (String k : List.of("p50.0", "p90.0", "p99.0", "p99.9")) added.put(k, m.get(k) - direct.get(k));
      out.put(name, Map.of("absolute", m, "added", added));
      table.add("| %s | %d | %d | %d | %d | %d |".formatted(name, added.get("p50.0"), added.get("p90.0"),
          added.get("p99.0"), added.get("p99.9"), m.get("errors")));
    }
    long best = Math.min(addedP99(out, "nginx"), addedP99(out, "haproxy"));
    String verdict = addedP99(out, "minimesh") <= best ? "met" : "not met";
    table.add("");
    table.add("Target: added p99 ≤ the better of nginx and HAProxy — **" + verdict + "**.");
    table.add("");
    results.put("latency", out);
  }

  @SuppressWarnings("unchecked")
  private static long addedP99(Map<String, Object> out, String name) {
    return ((Map<String, Map<String, Long>>) out.get(name)).get("added").get("p99.0");
  }

  private static Map<String, Long> median(List<Map<String, Long>> runs) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (String k : runs.get(0).keySet()) {
      List<Long> v = runs.stream().map(x -> x.get(k)).sorted().toList();
      m.put(k, v.get(v.size() / 2));
    }
    return m;
  }

  private void throughput(Map<String, Integer> ports) throws Exception {
    int secs = quick ? 5 : 15;
    Map<String, Object> out = new LinkedHashMap<>();
    table.add("### Throughput, proxy pinned to one core (wrk, keep-alive, 1 KiB)");
    table.add("");
    table.add("| connections | direct | nginx | haproxy | minimesh | minimesh/nginx | minimesh/haproxy |");
    table.add("|---|---|---|---|---|---|---|");
    for (int conns : new int[] {16, 64}) {
      Map<String, Double> rps = new LinkedHashMap<>();
      for (var e : ports.entrySet()) rps.put(e.getKey(), wrk(e.getValue(), conns, secs));
      out.put("c" + conns, rps);
      table.add("| %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |".formatted(conns, rps.get("direct"),
          rps.get("nginx"), rps.get("haproxy"), rps.get("minimesh"),
          rps.get("minimesh") / rps.get("nginx"), rps.get("minimesh") / rps.get("haproxy")));
    }
    table.add("");
    results.put("throughput", out);
  }

  private static double wrk(int port, int conns, int secs) throws Exception {
    Process p = new ProcessBuilder("taskset", "-c", "0", "wrk", "-t1", "-c" + conns, "-d" + secs + "s",
        "http://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Matcher m = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(text);
    if (!m.find()) throw new IOException("wrk printed no rate:\n" + text);
    return Double.parseDouble(m.group(1));
  }

  private void cost(Map<String, Integer> ports, Map<String, Targets.Proc> procs) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    table.add("### Cost at 1000 req/s (Minimesh with 100 routes and 100 clusters loaded)");
    table.add("");
    table.add("| proxy | CPU-s per 1000 req | vCPU at 1000 req/s | RSS idle MiB | RSS at load MiB |");
    table.add("|---|---|---|---|---|");
    int secs = quick ? 5 : 15;
    for (String name : List.of("nginx", "haproxy", "minimesh")) {
      long pid = procs.get(name).pid();
      long rssIdle = rssKb(pid);
      double cpu0 = cpuSeconds(pid);
      var res = new OpenLoopLoadGenerator(new OpenLoopLoadGenerator.Config(
          URI.create("http://127.0.0.1:" + ports.get(name) + "/"), null, 1000, 16, Duration.ZERO,
          Duration.ofSeconds(secs))).run();
      double cpu = cpuSeconds(pid) - cpu0;
      long rssLoad = rssKb(pid);
      double perK = cpu / (res.completed() / 1000.0);
      out.put(name, Map.of("cpu_s_per_1000", perK, "vcpu", cpu / secs, "rss_idle_kb", rssIdle, "rss_load_kb", rssLoad));
      table.add("| %s | %.4f | %.3f | %.1f | %.1f |".formatted(name, perK, cpu / secs, rssIdle / 1024.0, rssLoad / 1024.0));
    }
    table.add("");
    results.put("cost", out);
  }

  private void startup(Targets t, Path proxyJar, int base) throws Exception {
    List<Long> ms = new ArrayList<>();
    for (int i = 0; i < (quick ? 2 : 5); i++) {
      long t0 = System.nanoTime();
      var p = t.minimesh(base + 6, base + 7, base, proxyJar, 1);
      awaitReady(base + 7);
      ms.add((System.nanoTime() - t0) / 1_000_000);
      t.stop(p);
    }
    List<Long> sorted = ms.stream().sorted().toList();
    long median = sorted.get(sorted.size() / 2);
    results.put("startup_ms", ms);
    table.add("### Startup: process start → /ready (static config)");
    table.add("");
    table.add("median %d ms over %d starts (target ≤ 1000 ms: **%s**)".formatted(median, ms.size(),
        median <= 1000 ? "met" : "not met"));
    table.add("");
  }

  private static void awaitReady(int adminPort) throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        var r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready"))
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(5); // polling interval of a readiness probe, not synchronisation
    }
    throw new IOException("proxy admin on " + adminPort + " not ready within 60 s");
  }

  private static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks / 100.0;
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return -1;
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) return true;
    }
    return false;
  }

  private void write() throws IOException {
    String machine = machine();
    StringBuilder md = new StringBuilder();
    md.append("# Performance\n\n");
    md.append("Generated by `bin/bench").append(quick ? " --quick" : "").append("` on ")
        .append(Instant.now().toString(), 0, 10).append(". Machine: ").append(machine).append(".\n\n");
    md.append("Baselines are measured in the same run, interleaved: the upstream directly (nginx serving a\n"
        + "1 KiB body), nginx and HAProxy as keep-alive reverse proxies with one worker and logs off,\n"
        + "and the Minimesh proxy with one event loop. Proxies are pinned to one core with taskset.\n\n");
    for (String line : table) md.append(line).append('\n');
    System.out.println(String.join("\n", table));
    Path json = repo.resolve("target/bench/results.json");
    Files.createDirectories(json.getParent());
    results.put("machine", machine);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), results);
    if (!noDocs) {
      Path doc = repo.resolve("docs/performance.md");
      String old = Files.exists(doc) ? Files.readString(doc) : "";
      int keep = old.indexOf("\n## History");
      Files.writeString(doc, md + (keep >= 0 ? old.substring(keep) : ""));
    }
  }

  /** CPUs of the machine, not of this JVM: bin/bench pins the harness itself to core 0. */
  static int machineCores() {
    try {
      return (int) Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
    } catch (IOException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          cpu = l.substring(l.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException ignored) {
      // keep "unknown CPU"
    }
    return "%s, %d cores, kernel %s, JDK %s".formatted(cpu, machineCores(),
        System.getProperty("os.version"), System.getProperty("java.version"));
  }
}
