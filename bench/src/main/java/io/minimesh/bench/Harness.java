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
    description = "Run scenarios: latency, throughput, cost, startup, pilot, jmh (default: all).")
final class Harness implements Callable<Integer> {
  @Parameters(arity = "0..*", description = "Scenarios to run (latency throughput cost startup pilot jmh)")
  List<String> scenarios = new ArrayList<>();

  @Option(names = "--quick", description = "Short runs (one round, a few seconds each)")
  boolean quick;

  @Option(names = "--repo", defaultValue = ".", description = "Repository root (default: current dir)")
  Path repo;

  @Option(names = "--pilot-services", defaultValue = "1000", description = "Scenario pilot: services (default ${DEFAULT-VALUE})")
  int pilotServices;

  @Option(names = "--pilot-proxies", defaultValue = "200", description = "Scenario pilot: simulated proxies (default ${DEFAULT-VALUE})")
  int pilotProxies;

  @Option(names = "--pilot-workloads", description = "Scenario pilot: distinct sidecar workloads, the proxies being their replicas (default 20 quick, 100 full)")
  Integer pilotWorkloads;

  @Option(names = "--no-docs", description = "Do not rewrite docs/performance.md")
  boolean noDocs;

  private final Map<String, Object> results = new LinkedHashMap<>();
  /** Table lines per scenario; a run rewrites only the sections of the scenarios it ran. */
  private final Map<String, List<String>> sections = new LinkedHashMap<>();
  private List<String> table = new ArrayList<>();
  private final Map<String, String> sectionRuns = new LinkedHashMap<>();

  private void begin(String scenario) {
    table = sections.computeIfAbsent(scenario, k -> new ArrayList<>());
    sectionRuns.put(scenario, "`bin/bench" + (quick ? " --quick" : "") + "`, " + Instant.now().toString().substring(0, 10));
  }

  static final List<String> ALL = List.of("latency", "throughput", "cost", "startup", "pilot", "jmh");

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
    Path pilotJar = repo.resolve("pilot/target/minimesh-pilot-exec.jar").toAbsolutePath();
    Path meshProxy = repo.resolve("bin/mesh-proxy").toAbsolutePath();
    for (Path jar : List.of(proxyJar, pilotJar)) {
      if (!Files.exists(jar)) {
        System.err.println("bench: " + jar + " is missing; build with ./mvnw -B -pl dataplane,pilot,bench -am package -DskipTests");
        return 1;
      }
    }
    if (scenarios.isEmpty()) scenarios = ALL;
    for (String sc : scenarios) {
      if (!ALL.contains(sc)) {
        System.err.println("bench: unknown scenario " + sc + "; choose from " + ALL);
        return 2;
      }
    }
    Path work = Files.createTempDirectory("minimesh-bench");
    int cores = machineCores();
    // Proxies get the last core; load generator and upstream share the others.
    String proxyCpu = cores >= 2 ? String.valueOf(cores - 1) : null;
    int base = 20000 + (int) (ProcessHandle.current().pid() % 1000) * 20;
    boolean proxies = scenarios.stream().anyMatch(x -> List.of("latency", "throughput", "cost", "startup").contains(x));
    if (proxies) {
      try (Targets t = new Targets(work, proxyCpu)) {
        var up = t.upstream(base);
        var ng = t.nginxProxy(base + 2, base + 12, base);
        var hp = t.haproxy(base + 3, base + 13, base);
        var mm = t.minimesh("minimesh", base + 4, base + 5, base, meshProxy, 100);
        awaitReady(base + 5);
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("direct", up.port());
        ports.put("nginx", ng.port());
        ports.put("haproxy", hp.port());
        ports.put("minimesh", mm.port());
        Map<String, Integer> h2Ports = new LinkedHashMap<>();
        h2Ports.put("direct", base + 1);
        h2Ports.put("nginx", base + 12);
        h2Ports.put("haproxy", base + 13);
        h2Ports.put("minimesh", mm.port()); // codec AUTO: the same port speaks both
        Map<String, Targets.Proc> procs = Map.of("nginx", ng, "haproxy", hp, "minimesh", mm);
        // Every target gets the same closed-loop warm-up first: a JVM proxy is measured after its JIT
        // has compiled the request path, as it would be after seconds of production traffic.
        for (int port : ports.values()) wrk(port, 64, quick ? 10 : 30);
        if (scenarios.contains("latency")) guarded("latency", () -> latency(ports));
        if (scenarios.contains("throughput")) guarded("throughput", () -> throughput(ports, h2Ports));
        if (scenarios.contains("cost")) guarded("cost", () -> cost(ports, procs, t, meshProxy, base));
        if (scenarios.contains("startup")) guarded("startup", () -> startup(t, meshProxy, pilotJar, base));
      }
    }
    // A failing scenario is reported in the table; the others' numbers are still written.
    if (scenarios.contains("pilot")) guarded("pilot", () -> pilot(work, pilotJar, proxyCpu, base));
    if (scenarios.contains("jmh")) guarded("jmh", this::jmh);
    write();
    return 0;
  }

  private void latency(Map<String, Integer> ports) throws Exception {
    begin("latency");
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

  private void throughput(Map<String, Integer> ports, Map<String, Integer> h2Ports) throws Exception {
    begin("throughput");
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
    // HTTP/2 downstream, HTTP/1.1 upstream for all three: nginx cannot proxy HTTP/2 to an upstream.
    table.add("HTTP/2 (h2load, cleartext prior knowledge, 10 streams per connection) downstream, HTTP/1.1 upstream:");
    table.add("");
    table.add("| connections | direct (h2) | nginx | haproxy | minimesh | minimesh/nginx | minimesh/haproxy |");
    table.add("|---|---|---|---|---|---|---|");
    // HTTP/2 runs a different code path (frame codec, stream channels) that the HTTP/1.1 warm-up did
    // not compile: every target first gets an unmeasured h2load run, or a JVM proxy is measured while
    // its JIT is still busy on the pinned core.
    for (int port : h2Ports.values()) h2load(port, 16, 10, quick ? 10 : 30);
    for (int conns : new int[] {16}) {
      Map<String, Double> rps = new LinkedHashMap<>();
      for (var e : h2Ports.entrySet()) rps.put(e.getKey(), h2load(e.getValue(), conns, 10, secs));
      out.put("h2_c" + conns, rps);
      table.add("| %d×10 | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |".formatted(conns, rps.get("direct"),
          rps.get("nginx"), rps.get("haproxy"), rps.get("minimesh"),
          rps.get("minimesh") / rps.get("nginx"), rps.get("minimesh") / rps.get("haproxy")));
    }
    table.add("");
    results.put("throughput", out);
  }

  static double wrk(int port, int conns, int secs) throws Exception {
    Process p = new ProcessBuilder("taskset", "-c", "0", "wrk", "-t1", "-c" + conns, "-d" + secs + "s",
        "http://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Matcher m = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(text);
    if (!m.find()) throw new IOException("wrk printed no rate:\n" + text);
    return Double.parseDouble(m.group(1));
  }

  private static double h2load(int port, int conns, int streams, int secs) throws Exception {
    Process p = new ProcessBuilder("taskset", "-c", "0", "h2load", "-t1", "-c" + conns, "-m" + streams,
        "-D", String.valueOf(secs), "--warm-up-time=1", "http://127.0.0.1:" + port + "/")
        .redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Matcher m = Pattern.compile("finished in [0-9.]+m?s, ([0-9.]+) req/s").matcher(text);
    Matcher ok = Pattern.compile("requests: .* (\\d+) succeeded, (\\d+) failed").matcher(text);
    if (!m.find()) throw new IOException("h2load printed no rate:\n" + text);
    if (ok.find() && Long.parseLong(ok.group(1)) == 0) throw new IOException("h2load: no request succeeded:\n" + text);
    return Double.parseDouble(m.group(1));
  }

  interface Step {
    void run() throws Exception;
  }

  private void guarded(String scenario, Step step) {
    try {
      begin(scenario);
      step.run();
    } catch (Exception e) {
      System.err.println("bench: scenario " + scenario + " failed: " + e.getMessage());
      results.put(scenario + "_error", String.valueOf(e.getMessage()));
      table.add("### " + scenario + ": failed — " + e.getMessage().lines().findFirst().orElse(""));
      table.add("");
    }
  }

  private void pilot(Path work, Path pilotJar, String cpus, int base) throws Exception {
    begin("pilot");
    // Pilot is not compared with a baseline here: it gets every core but the load generator's.
    var ps = new PilotScale(work, pilotJar, new PilotScale.Settings(pilotServices, pilotProxies,
        pilotWorkloads != null ? pilotWorkloads : quick ? 20 : 100, quick ? 1 : 5, cpus));
    ps.run(base + 14, base + 15);
    results.put("pilot", ps.results());
    table.addAll(ps.table());
  }

  private void jmh() throws Exception {
    begin("jmh");
    Path jar = Path.of(Harness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path json = repo.resolve("target/bench/jmh.json").toAbsolutePath();
    Files.createDirectories(json.getParent());
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "1", "java", "-cp", jar.toString(), "org.openjdk.jmh.Main",
        "-rf", "json", "-rff", json.toString()));
    cmd.addAll(Jmh.args(quick));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work().resolve("jmh.log").toFile()).start();
    if (p.waitFor() != 0) throw new IOException("JMH failed; see " + work().resolve("jmh.log"));
    var rows = Jmh.read(json);
    results.put("jmh", rows);
    table.addAll(Jmh.table(rows, quick));
  }

  private Path work() throws IOException {
    Path w = repo.resolve("target/bench").toAbsolutePath();
    Files.createDirectories(w);
    return w;
  }

  /**
   * Cost at a steady 1000 req/s. Minimesh is measured in a fresh process (100 routes, 100 clusters), so its
   * RSS is the one a sidecar has at that rate rather than what the earlier maximum-throughput runs left
   * committed (reported separately as "after max load"). Every target first gets an unmeasured warm-up at
   * the same rate: a JVM compiles the request path in its first seconds at a new load, and a sidecar runs
   * for hours, so the steady state is what costs users. The JIT's and GC's threads are still counted.
   */
  private void cost(Map<String, Integer> ports, Map<String, Targets.Proc> procs, Targets t, Path meshProxy, int base)
      throws Exception {
    begin("cost");
    Map<String, Object> out = new LinkedHashMap<>();
    int secs = quick ? 5 : 15;
    Duration warmup = Duration.ofSeconds(quick ? 5 : 10);
    table.add("### Cost at 1000 req/s (Minimesh with 100 routes and 100 clusters loaded)");
    table.add("");
    table.add("Each target gets an unmeasured %d s warm-up at 1000 req/s, then %d s measured; Minimesh runs in a fresh process."
        .formatted(warmup.toSeconds(), secs));
    table.add("");
    table.add("| proxy | CPU-s per 1000 req | vCPU at 1000 req/s | RSS idle MiB | RSS at 1000 req/s MiB | RSS after max load MiB |");
    table.add("|---|---|---|---|---|---|");
    Targets.Proc fresh = t.minimesh("minimesh-cost", base + 8, base + 9, base, meshProxy, 100);
    try {
      awaitReady(base + 9);
      for (String name : List.of("nginx", "haproxy", "minimesh")) {
        Targets.Proc proc = name.equals("minimesh") ? fresh : procs.get(name);
        long pid = proc.pid();
        long rssIdle = rssKb(pid);
        URI uri = URI.create("http://127.0.0.1:" + proc.port() + "/");
        new OpenLoopLoadGenerator(new OpenLoopLoadGenerator.Config(uri, null, 1000, 16, Duration.ZERO, warmup)).run();
        double cpu0 = cpuSeconds(pid);
        var res = new OpenLoopLoadGenerator(new OpenLoopLoadGenerator.Config(uri, null, 1000, 16, Duration.ZERO,
            Duration.ofSeconds(secs))).run();
        double cpu = cpuSeconds(pid) - cpu0;
        long rssLoad = rssKb(pid);
        long rssPeak = rssKb(procs.get(name).pid());
        double perK = cpu / (res.completed() / 1000.0);
        out.put(name, Map.of("cpu_s_per_1000", perK, "vcpu", cpu / secs, "rss_idle_kb", rssIdle, "rss_load_kb", rssLoad,
            "rss_after_max_load_kb", rssPeak, "errors", res.errors()));
        table.add("| %s | %.4f | %.3f | %.1f | %.1f | %.1f |".formatted(name, perK, cpu / secs, rssIdle / 1024.0,
            rssLoad / 1024.0, rssPeak / 1024.0));
      }
    } finally {
      t.stop(fresh);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> mm = (Map<String, Object>) out.get("minimesh");
    double vcpu = (double) mm.get("vcpu");
    double rssMiB = ((Long) mm.get("rss_load_kb")) / 1024.0;
    table.add("");
    table.add("Targets: ≤ 0.10 vCPU per 1000 req/s — **%s**; RSS ≤ 64 MiB at 1000 req/s — **%s**."
        .formatted(vcpu <= 0.10 ? "met" : "not met", rssMiB <= 64 ? "met" : "not met"));
    table.add("");
    results.put("cost", out);
  }

  private void startup(Targets t, Path meshProxy, Path pilotJar, int base) throws Exception {
    begin("startup");
    int starts = quick ? 2 : 5;
    List<Long> ms = new ArrayList<>();
    for (int i = 0; i < starts; i++) {
      long t0 = System.nanoTime();
      var p = t.minimesh("minimesh-start-" + i, base + 6, base + 7, base, meshProxy, 1);
      awaitReady(base + 7);
      ms.add((System.nanoTime() - t0) / 1_000_000);
      t.stop(p);
    }
    long median = medianOf(ms);
    results.put("startup_ms", ms);
    // From pilot: a sidecar of a 100-service mesh (pilot already running, as in a cluster) → /ready, which
    // the proxy answers only once its first LDS/RDS/CDS/EDS from pilot is accepted.
    List<Long> fromPilot = new ArrayList<>();
    Path dir = work().resolve("startup-pilot");
    new MeshConfigGenerator(dir.resolve("config"), 100).writeAll();
    int xds = base + 16;
    int mon = base + 17;
    var pilot = t.start("pilot-startup", mon, List.of("java", "-XX:+UseG1GC", "-Xms64m", "-Xmx1g",
        "-jar", pilotJar.toString(), "--config-dir", dir.resolve("config").toString(), "--bind", "127.0.0.1",
        "--xds-port", String.valueOf(xds), "--monitoring-port", String.valueOf(mon)), false);
    try {
      Path bootstrap = dir.resolve("sidecar-bootstrap.yaml");
      Files.writeString(bootstrap, """
          node:
            id: svc-0-v1-startup.default
            cluster: svc-0.default
            namespace: default
            labels: { app: svc-0, version: v1 }
            ip_addresses: ["%s"]
            metadata: { bind_ip: "127.0.0.77", INTERCEPTION_MODE: REDIRECT }
          admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
          dynamic_resources: { ads_address: "127.0.0.1:%d" }
          """.formatted(MeshConfigGenerator.workloadIp(0, 1), base + 7, xds));
      awaitHttp200(mon, "/ready");
      for (int i = 0; i < starts; i++) {
        long t0 = System.nanoTime();
        var p = t.start("minimesh-xds-" + i, base + 7, List.of(meshProxy.toString(), "-c", bootstrap.toString(),
            "--concurrency", "1", "-l", "warn"), true);
        awaitReady(base + 7);
        fromPilot.add((System.nanoTime() - t0) / 1_000_000);
        t.stop(p);
      }
    } finally {
      t.stop(pilot);
    }
    long medianPilot = medianOf(fromPilot);
    results.put("startup_from_pilot_ms", fromPilot);
    table.add("### Startup: process start → /ready");
    table.add("");
    table.add("| config | median | starts | target |");
    table.add("|---|---|---|---|");
    table.add("| static (bootstrap file) | %d ms | %s | ≤ 1000 ms: **%s** |".formatted(median, ms,
        median <= 1000 ? "met" : "not met"));
    table.add("| from pilot (sidecar of a 100-service mesh: first LDS/CDS/EDS/RDS accepted) | %d ms | %s | — |"
        .formatted(medianPilot, fromPilot));
    table.add("");
  }

  private static long medianOf(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  static void awaitReady(int adminPort) throws Exception {
    awaitHttp200(adminPort, "/ready");
  }

  static void awaitHttp200(int port, String path) throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        var r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(5); // polling interval of a readiness probe, not synchronisation
    }
    throw new IOException("127.0.0.1:" + port + path + " not ready within 60 s");
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
    Path doc = repo.resolve("docs/performance.md");
    String old = Files.exists(doc) ? Files.readString(doc) : "";
    StringBuilder md = new StringBuilder();
    md.append("# Performance\n\n");
    md.append("Generated by `bin/bench` (sections say which run and date). Machine: ").append(machine).append(".\n\n");
    md.append("Baselines are measured in the same run, interleaved: the upstream directly (nginx serving a\n"
        + "1 KiB body), nginx and HAProxy as keep-alive reverse proxies with one worker and logs off,\n"
        + "and the Minimesh proxy (started by `bin/mesh-proxy`, so with its JVM flags) with one event loop.\n"
        + "Proxies are pinned to one core with taskset; load generators run on the other.\n\n");
    List<String> printed = new ArrayList<>();
    for (String sc : ALL) {
      List<String> lines = sections.get(sc);
      if (lines != null) {
        md.append("<!-- bench:").append(sc).append(" -->\n");
        md.append("_Run: ").append(sectionRuns.get(sc)).append("._\n\n");
        for (String line : lines) md.append(line).append('\n');
        md.append("<!-- /bench:").append(sc).append(" -->\n");
        printed.addAll(lines);
      } else {
        String kept = section(old, sc);
        if (kept != null) md.append(kept);
      }
    }
    System.out.println(String.join("\n", printed));
    Path json = repo.resolve("target/bench/results.json");
    Files.createDirectories(json.getParent());
    results.put("machine", machine);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), results);
    if (!noDocs) {
      int keep = old.indexOf("\n## History");
      Files.writeString(doc, md + (keep >= 0 ? old.substring(keep) : ""));
    }
  }

  /** The scenario's section of an earlier docs/performance.md, markers included, or null. */
  static String section(String doc, String scenario) {
    String open = "<!-- bench:" + scenario + " -->\n";
    String close = "<!-- /bench:" + scenario + " -->\n";
    int a = doc.indexOf(open);
    int b = doc.indexOf(close, a + 1);
    return a < 0 || b < 0 ? null : doc.substring(a, b + close.length());
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
