package io.minimesh.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/bench profile}: the proxy under the throughput (wrk, 64 connections) or cost (open loop,
 * 1000 req/s, 100 routes) load with Java Flight Recorder on, then its hottest methods: self time (top
 * frame) and inclusive time (anywhere on the stack) of the event-loop threads, and where the native
 * time (syscalls) is spent. The recording stays in target/bench/ for {@code jfr} or JMC.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "JFR profile of the proxy under load; prints hot methods.")
final class Profile implements Callable<Integer> {
  @Parameters(arity = "0..1", defaultValue = "throughput", description = "throughput or cost")
  String scenario;

  @Option(names = "--seconds", defaultValue = "20")
  int seconds;

  @Option(names = "--top", defaultValue = "25")
  int top;

  @Option(names = "--repo", defaultValue = ".")
  Path repo;

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("minimesh-profile");
    Path out = repo.resolve("target/bench").toAbsolutePath();
    Files.createDirectories(out);
    Path jfr = out.resolve("profile-" + scenario + ".jfr");
    int cores = Harness.machineCores();
    String proxyCpu = cores >= 2 ? String.valueOf(cores - 1) : null;
    int base = 21000 + (int) (ProcessHandle.current().pid() % 1000) * 20;
    try (Targets t = new Targets(work, proxyCpu)) {
      t.upstream(base);
      t.javaOpts("-XX:StartFlightRecording=settings=profile,filename=" + jfr);
      var mm = t.minimesh("minimesh", base + 4, base + 5, base, repo.resolve("bin/mesh-proxy").toAbsolutePath(),
          scenario.equals("cost") ? 100 : 1);
      Harness.awaitReady(base + 5);
      Harness.wrk(mm.port(), 64, 10); // warm-up: JIT-compiled request path
      if (scenario.equals("cost")) {
        new OpenLoopLoadGenerator(new OpenLoopLoadGenerator.Config(URI.create("http://127.0.0.1:" + mm.port() + "/"),
            null, 1000, 16, Duration.ZERO, Duration.ofSeconds(seconds))).run();
      } else {
        System.out.printf("wrk: %.0f req/s%n", Harness.wrk(mm.port(), 64, seconds));
      }
      dump(mm.pid(), jfr);
    }
    report(jfr, top);
    System.out.println("recording: " + jfr);
    return 0;
  }

  private static void dump(long pid, Path jfr) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", String.valueOf(pid), "JFR.dump",
        "filename=" + jfr).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor();
  }

  /** Prints self and inclusive sample shares of the proxy's event-loop threads. */
  static void report(Path jfr, int top) throws Exception {
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> incl = new HashMap<>();
    Map<String, Integer> nativeBy = new HashMap<>();
    int java = 0;
    int natives = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      String type = e.getEventType().getName();
      boolean exec = type.equals("jdk.ExecutionSample");
      if (!exec && !type.equals("jdk.NativeMethodSample")) continue;
      var thread = e.getThread("sampledThread");
      if (thread == null || thread.getJavaName() == null || !thread.getJavaName().startsWith("mesh-worker")) continue;
      if (e.getStackTrace() == null || e.getStackTrace().getFrames().isEmpty()) continue;
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      if (exec) {
        java++;
        self.merge(name(frames.get(0)), 1, Integer::sum);
        Set<String> seen = new HashSet<>();
        for (RecordedFrame f : frames) {
          if (seen.add(name(f))) incl.merge(name(f), 1, Integer::sum);
        }
      } else {
        natives++;
        // The proxy method that led into native code: what issued the syscall.
        String cause = "(event loop: epoll_wait / other)";
        for (RecordedFrame f : frames) {
          if (name(f).startsWith("io.minimesh.")) {
            cause = name(f);
            break;
          }
        }
        nativeBy.merge(name(frames.get(0)) + " ← " + cause, 1, Integer::sum);
      }
    }
    System.out.printf("event-loop samples: %d Java, %d native%n", java, natives);
    print("self time (top frame)", self, java, top, "");
    print("inclusive, proxy methods", incl, java, top, "io.minimesh.");
    print("inclusive, all", incl, java, top, "");
    print("native samples by syscall and caller", nativeBy, natives, top, "");
  }

  private static void print(String title, Map<String, Integer> counts, int total, int top, String prefix) {
    System.out.println("--- " + title);
    List<Map.Entry<String, Integer>> l = new ArrayList<>(counts.entrySet());
    l.removeIf(e -> !e.getKey().startsWith(prefix));
    l.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
    for (var e : l.subList(0, Math.min(top, l.size()))) {
      System.out.printf("%5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, total), e.getKey());
    }
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }
}
