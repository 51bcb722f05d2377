package io.minimesh.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scenario 5, pilot at scale: a real pilot process reads a generated directory of N services, and this
 * JVM (separate from pilot) opens M simulated proxies on it over gRPC ADS. Measures the initial full push
 * and a mesh-wide push until ACKed by all, the convergence of endpoint and VirtualService edits (file
 * written ⇒ each proxy ACKs the response carrying the change), pilot memory per connected proxy, and
 * the bytes each push puts on the wire.
 */
final class PilotScale {
  /** {@code workloads}: distinct sidecar workloads; the proxies are their replicas (same labels, same config). */
  record Settings(int services, int clients, int workloads, int changes, String pilotCpus) {}

  private final Path work;
  private final Path pilotJar;
  private final Settings s;
  private final Map<String, Object> out = new LinkedHashMap<>();
  private final List<String> table = new ArrayList<>();

  PilotScale(Path work, Path pilotJar, Settings s) {
    this.work = work;
    this.pilotJar = pilotJar;
    this.s = s;
  }

  Map<String, Object> results() {
    return out;
  }

  List<String> table() {
    return table;
  }

  void run(int xdsPort, int monitoringPort) throws Exception {
    Path dir = work.resolve("pilot-config");
    MeshConfigGenerator gen = new MeshConfigGenerator(dir, s.services());
    gen.writeAll();
    List<String> cmd = new ArrayList<>();
    if (s.pilotCpus() != null) cmd.addAll(List.of("taskset", "-c", s.pilotCpus()));
    // bin/pilot's flags; the rescan is slowed so only the file events of our edits cause pushes.
    cmd.addAll(List.of("java", "-XX:+UseG1GC", "-Xms64m", "-Xmx1g", "-XX:+ExitOnOutOfMemoryError"));
    // Extra pilot JVM flags for profiling runs, e.g. -XX:StartFlightRecording=filename=pilot.jfr
    String extra = System.getenv("MINIMESH_BENCH_PILOT_JVM_OPTS");
    if (extra != null && !extra.isBlank()) cmd.addAll(Arrays.asList(extra.trim().split("\\s+")));
    cmd.addAll(List.of("-jar", pilotJar.toString(), "--config-dir", dir.toString(), "--bind", "127.0.0.1",
        "--xds-port", String.valueOf(xdsPort), "--monitoring-port", String.valueOf(monitoringPort),
        "--debounce-after", "100ms", "--rescan-interval", "60s"));
    Process pilot = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(work.resolve("pilot.log").toFile()).start();
    EventLoopGroup group = new NioEventLoopGroup(1);
    ExecutorService callbacks = Executors.newFixedThreadPool(2);
    List<ManagedChannel> channels = new ArrayList<>();
    List<XdsSimClient> clients = new ArrayList<>();
    try {
      awaitPilotReady(pilot, monitoringPort);
      Map<String, Object> mem0 = memory(pilot.pid());
      out.put("pilot_memory_0_clients", mem0);

      // 1. Initial full push: every proxy connects at once.
      double cpu0 = cpuSeconds(pilot.pid());
      long t0 = System.nanoTime();
      for (int i = 0; i < s.clients(); i++) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext()
            .eventLoopGroup(group).channelType(NioSocketChannel.class).executor(callbacks)
            .maxInboundMessageSize(256 << 20).build();
        channels.add(ch);
        XdsSimClient c = new XdsSimClient(i, node(i), ch);
        clients.add(c);
        c.start();
      }
      await("every proxy has its full config", Duration.ofSeconds(300),
          () -> clients.stream().allMatch(c -> c.completeNanos() >= 0), clients, true);
      long[] initial = clients.stream().mapToLong(c -> c.completeNanos() - t0).sorted().toArray();
      long initialBytes = clients.stream().mapToLong(XdsSimClient::bytes).sum();
      Map<String, Object> init = new LinkedHashMap<>();
      init.put("all_acked_ms", ms(initial[initial.length - 1]));
      init.put("p50_ms", ms(pct(initial, 50)));
      init.put("bytes_total", initialBytes);
      init.put("bytes_per_proxy", initialBytes / s.clients());
      init.put("pilot_cpu_s", cpuSeconds(pilot.pid()) - cpu0);
      out.put("initial_push", init);

      Map<String, Object> memN = memory(pilot.pid());
      out.put("pilot_memory_" + s.clients() + "_clients", memN);
      double heapPerProxy = ((long) memN.get("heap_used_kb") - (long) mem0.get("heap_used_kb")) / 1024.0 / s.clients();
      double rssPerProxy = ((long) memN.get("rss_kb") - (long) mem0.get("rss_kb")) / 1024.0 / s.clients();
      out.put("heap_mib_per_proxy", heapPerProxy);
      out.put("rss_mib_per_proxy", rssPerProxy);

      List<XdsSimClient> sidecars = new ArrayList<>();
      for (int i = 0; i < clients.size(); i++) if (!isRouter(i)) sidecars.add(clients.get(i));
      // 2. Mesh-wide change: a new service every proxy must learn (CDS, EDS, LDS, RDS in that order).
      List<Long> fullPush = new ArrayList<>();
      long fullBytes = 0;
      double fullCpu0 = cpuSeconds(pilot.pid());
      for (int n = 0; n < Math.max(1, s.changes() / 2); n++) {
        int k = n;
        String host = "bench-extra-" + k + ".default.svc.cluster.local";
        long before = clients.stream().mapToLong(XdsSimClient::bytes).sum();
        // Gateways only load the clusters their routes reference (PILOT_FILTER_GATEWAY_CLUSTER_CONFIG):
        // a service no gateway route names concerns the sidecars only.
        long[] conv = probe(sidecars, TypeUrls.ROUTE, host, () -> gen.writeExtraService(k, host));
        fullBytes += clients.stream().mapToLong(XdsSimClient::bytes).sum() - before;
        fullPush.add(conv[conv.length - 1]);
      }
      Map<String, Object> full = new LinkedHashMap<>();
      full.put("all_acked_ms", fullPush.stream().map(PilotScale::ms).toList());
      full.put("bytes_per_push", fullBytes / fullPush.size());
      full.put("pilot_cpu_s_per_push", (cpuSeconds(pilot.pid()) - fullCpu0) / fullPush.size());
      out.put("mesh_wide_push", full);

      // 3. Endpoint change: one WorkloadEntry's address moves. Services with a gateway-bound
      // VirtualService, so that every proxy (sidecars and gateways) subscribes to their clusters.
      List<Long> eds = new ArrayList<>();
      long edsBytes = 0;
      double edsCpu0 = cpuSeconds(pilot.pid());
      for (int k = 1; k <= s.changes(); k++) {
        int svc = (k * 370) % s.services();
        final String ip = "10.200.%d.%d".formatted(k, 100 + k);
        long before = clients.stream().mapToLong(XdsSimClient::bytes).sum();
        for (long v : probe(clients, TypeUrls.ENDPOINT, ip, () -> gen.writeWorkloads(svc, ip))) eds.add(v);
        edsBytes += clients.stream().mapToLong(XdsSimClient::bytes).sum() - before;
      }
      out.put("endpoint_change", convergence(eds, edsBytes / s.changes()));
      endpointChange().put("pilot_cpu_s_per_change", (cpuSeconds(pilot.pid()) - edsCpu0) / s.changes());

      // 4. VirtualService change: a header value in one service's routes.
      List<Long> rds = new ArrayList<>();
      long rdsBytes = 0;
      double rdsCpu0 = cpuSeconds(pilot.pid());
      for (int k = 1; k <= s.changes(); k++) {
        int svc = (k * 10) % s.services();
        String rev = "rev-" + k + "-" + System.nanoTime();
        long before = clients.stream().mapToLong(XdsSimClient::bytes).sum();
        for (long v : probe(clients, TypeUrls.ROUTE, rev, () -> gen.writeVirtualService(svc, rev))) rds.add(v);
        rdsBytes += clients.stream().mapToLong(XdsSimClient::bytes).sum() - before;
      }
      out.put("virtualservice_change", convergence(rds, rdsBytes / s.changes()));
      @SuppressWarnings("unchecked") Map<String, Object> vs = (Map<String, Object>) out.get("virtualservice_change");
      vs.put("pilot_cpu_s_per_change", (cpuSeconds(pilot.pid()) - rdsCpu0) / s.changes());
      render(heapPerProxy, rssPerProxy, mem0, memN);
    } finally {
      clients.forEach(XdsSimClient::close);
      channels.forEach(ManagedChannel::shutdownNow);
      for (ManagedChannel ch : channels) ch.awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      callbacks.shutdown();
      pilot.descendants().forEach(ProcessHandle::destroyForcibly);
      pilot.destroy(); // SIGTERM first: lets a flight recording asked for in MINIMESH_BENCH_PILOT_JVM_OPTS be written
      if (!pilot.waitFor(10, TimeUnit.SECONDS)) pilot.destroyForcibly();
      pilot.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void render(double heapPerProxy, double rssPerProxy, Map<String, Object> mem0, Map<String, Object> memN) {
    @SuppressWarnings("unchecked") Map<String, Object> init = (Map<String, Object>) out.get("initial_push");
    @SuppressWarnings("unchecked") Map<String, Object> full = (Map<String, Object>) out.get("mesh_wide_push");
    @SuppressWarnings("unchecked") Map<String, Object> eds = (Map<String, Object>) out.get("endpoint_change");
    @SuppressWarnings("unchecked") Map<String, Object> rds = (Map<String, Object>) out.get("virtualservice_change");
    @SuppressWarnings("unchecked") List<Double> fullMs = (List<Double>) full.get("all_acked_ms");
    double fullMedian = fullMs.stream().sorted().toList().get(fullMs.size() / 2);
    table.add("### Pilot at scale: %d services (%d VirtualServices + DestinationRules), %d simulated proxies (%d sidecar workloads × replicas, 5%% gateways)"
        .formatted(s.services(), (s.services() + 9) / 10, s.clients(), Math.min(s.workloads(), s.services())));
    table.add("");
    table.add("| measure | value | target |");
    table.add("|---|---|---|");
    table.add("| initial full push, all %d proxies connect at once → all ACKed | %.0f ms (p50 proxy %.0f ms) | — |"
        .formatted(s.clients(), (double) init.get("all_acked_ms"), (double) init.get("p50_ms")));
    table.add("| mesh-wide push (new ServiceEntry file → last proxy ACKs its RDS), incl. 100 ms debounce | %.0f ms | ≤ 1000 ms: **%s** |"
        .formatted(fullMedian, fullMedian <= 1000 ? "met" : "not met"));
    table.add("| endpoint change (WorkloadEntry file → EDS ACKed), p50 / p99 over proxies × %d edits | %.0f / %.0f ms | p99 ≤ 250 ms: **%s** |"
        .formatted(s.changes(), (double) eds.get("p50_ms"), (double) eds.get("p99_ms"),
            (double) eds.get("p99_ms") <= 250 ? "met" : "not met"));
    table.add("| VirtualService change (file → RDS ACKed), p50 / p99 | %.0f / %.0f ms | — |"
        .formatted((double) rds.get("p50_ms"), (double) rds.get("p99_ms")));
    table.add("| pilot heap after full GC, 0 → %d proxies | %.1f → %.1f MiB (%.2f MiB per proxy) | ≤ 1 MiB per proxy: **%s** |"
        .formatted(s.clients(), (long) mem0.get("heap_used_kb") / 1024.0, (long) memN.get("heap_used_kb") / 1024.0,
            heapPerProxy, heapPerProxy <= 1.0 ? "met" : "not met"));
    table.add("| pilot RSS, 0 → %d proxies | %.0f → %.0f MiB (%.2f MiB per proxy) | — |"
        .formatted(s.clients(), (long) mem0.get("rss_kb") / 1024.0, (long) memN.get("rss_kb") / 1024.0, rssPerProxy));
    table.add("| bytes per push: initial (per proxy) / mesh-wide (all proxies) / endpoint edit / VS edit | %s / %s / %s / %s | — |"
        .formatted(size((long) init.get("bytes_per_proxy")), size((long) full.get("bytes_per_push")),
            size((long) eds.get("bytes_per_change")), size((long) rds.get("bytes_per_change"))));
    // CPU time is what pilot itself spent: steadier than wall time on a machine shared with other work.
    table.add("| pilot CPU time: initial push / mesh-wide push / endpoint edit / VS edit | %.2f / %.2f / %.2f / %.2f s | — |"
        .formatted((double) init.get("pilot_cpu_s"), (double) full.get("pilot_cpu_s_per_push"),
            (double) eds.get("pilot_cpu_s_per_change"), (double) rds.get("pilot_cpu_s_per_change")));
    if (timedOut > 0) {
      table.add("");
      table.add("%d proxy × change results had not converged after %d s; they count as %d s (a lower bound)."
          .formatted(timedOut, PROBE_TIMEOUT.toSeconds(), PROBE_TIMEOUT.toSeconds()));
    }
    out.put("probe_timeouts", timedOut);
    table.add("");
  }

  private static String size(long b) {
    if (b >= 10L << 20) return "%.0f MiB".formatted(b / 1048576.0);
    if (b >= 1L << 20) return "%.1f MiB".formatted(b / 1048576.0);
    if (b >= 10L << 10) return "%.0f KiB".formatted(b / 1024.0);
    return b + " B";
  }

  private static Map<String, Object> convergence(List<Long> nanos, long bytesPerChange) {
    long[] v = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("samples", v.length);
    m.put("p50_ms", ms(pct(v, 50)));
    m.put("p99_ms", ms(pct(v, 99)));
    m.put("max_ms", ms(v[v.length - 1]));
    m.put("bytes_per_change", bytesPerChange);
    return m;
  }

  interface Change {
    void apply() throws IOException;
  }

  /** How long one change may take to reach every proxy before it is recorded as a lower bound. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(180);
  /** Proxies that had not seen a change when its probe timed out (their time is the timeout). */
  private int timedOut;

  /**
   * Arms a probe on every target, applies the change, waits for every target to see it; per-target
   * latencies, sorted. A target still waiting at the timeout counts with the timeout (a lower bound).
   */
  private long[] probe(List<XdsSimClient> targets, String type, String token, Change change) throws Exception {
    XdsSimClient.Probe p = XdsSimClient.Probe.of(type, token, s.clients());
    targets.forEach(c -> c.watch(p));
    Map<String, Long> before = XdsSimClient.bytesByType();
    change.apply();
    boolean all = await(TypeUrls.shortName(type) + " carrying " + token + " at every proxy", PROBE_TIMEOUT,
        () -> p.converged() == targets.size(), targets, false);
    targets.forEach(c -> c.watch(null));
    Map<String, Long> sent = XdsSimClient.bytesByType();
    sent.replaceAll((k, v) -> v - before.getOrDefault(k, 0L));
    System.err.println("bench: pilot: " + TypeUrls.shortName(type) + " change " + token + ": bytes by type so far " + sent);
    synchronized (p) {
      long[] v = Arrays.stream(p.convergedNanos()).filter(x -> x >= 0).toArray();
      if (!all) {
        timedOut += targets.size() - v.length;
        v = Arrays.copyOf(v, targets.size());
        Arrays.fill(v, v.length - (targets.size() - p.converged()), v.length, PROBE_TIMEOUT.toNanos());
      }
      Arrays.sort(v);
      return v;
    }
  }

  /** Waits until done; on timeout throws, or returns false when not {@code strict}. */
  private static boolean await(String what, Duration timeout, BooleanSupplier done, List<XdsSimClient> clients,
      boolean strict) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      for (XdsSimClient c : clients) {
        if (c.error() != null) throw new IOException("simulated proxy failed: " + c.error());
      }
      if (System.nanoTime() > deadline) {
        if (strict) throw new IOException("timed out waiting until " + what);
        System.err.println("bench: pilot: timed out after " + timeout.toSeconds() + " s waiting until " + what);
        return false;
      }
      Thread.sleep(2); // polling the clients' state, not synchronisation: the clients record their own times
    }
    return true;
  }

  private static long pct(long[] sorted, double q) {
    int i = (int) Math.ceil(q / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 1e5) / 10.0;
  }

  /** 95% sidecars of distinct workloads, 5% ingress gateways. */
  private Node node(int i) {
    if (isRouter(i)) {
      return Node.newBuilder().setId("ingressgateway-" + i + ".istio-system").setNamespace("istio-system")
          .setProxyType(ProxyType.ROUTER).putLabels("istio", "ingressgateway")
          .addIpAddresses("10.250.0." + (i % 250)).putMetadata("port_map", "80:8080").build();
    }
    int w = i % Math.max(1, Math.min(s.workloads(), s.services()));
    int svc = (int) ((long) w * s.services() / Math.max(1, Math.min(s.workloads(), s.services())));
    return Node.newBuilder().setId("svc-" + svc + "-v1-" + i + ".default").setNamespace("default")
        .setProxyType(ProxyType.SIDECAR).putLabels("app", "svc-" + svc).putLabels("version", "v1")
        .addIpAddresses(MeshConfigGenerator.workloadIp(svc, 1)).putMetadata("INTERCEPTION_MODE", "REDIRECT").build();
  }

  private static boolean isRouter(int i) {
    return i % 20 == 19;
  }

  private static void awaitPilotReady(Process pilot, int port) throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (!pilot.isAlive()) throw new IOException("pilot exited with " + pilot.exitValue());
      try {
        var r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(20); // readiness-probe interval
    }
    throw new IOException("pilot not ready within 120 s");
  }

  private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

  /** Heap used after a full GC (jcmd) and RSS. */
  static Map<String, Object> memory(long pid) throws Exception {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = HEAP_USED.matcher(info);
    if (!m.find()) throw new IOException("jcmd GC.heap_info printed no heap usage:\n" + info);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("heap_used_kb", Long.parseLong(m.group(2)));
    r.put("heap_committed_kb", Long.parseLong(m.group(1)));
    r.put("rss_kb", rssKb(pid));
    return r;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> endpointChange() {
    return (Map<String, Object>) out.get("endpoint_change");
  }

  /** User + system CPU time of the process so far (/proc/PID/stat, in clock ticks of 1/100 s). */
  static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    // Fields after the command name (which may contain spaces, so split after its closing parenthesis).
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return -1;
  }

  private static String jcmd(long pid, String what) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", String.valueOf(pid), what)
        .redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("jcmd " + what + " failed:\n" + text);
    return text;
  }
}
