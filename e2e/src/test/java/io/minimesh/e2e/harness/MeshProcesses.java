package io.minimesh.e2e.harness;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;

/**
 * The processes (and other resources) of one test: everything started here is stopped on
 * {@link #close()}, newest first. Logs: {@code <logDir>/<process>.log}; files the test writes:
 * {@code <logDir>/files/}. Injected by {@link MeshExtension} as a test (or {@code @BeforeAll}) parameter.
 */
public final class MeshProcesses implements AutoCloseable {

  private final Path logDir;
  private final List<ProcessFixture> processes = new ArrayList<>();
  private final Deque<Runnable> cleanups = new ArrayDeque<>();
  private final Map<String, Integer> names = new HashMap<>();
  private boolean closed;

  public MeshProcesses(Path logDir) {
    this.logDir = logDir.toAbsolutePath();
    deleteRecursively(this.logDir);
    try {
      Files.createDirectories(this.logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path logDir() {
    return logDir;
  }

  /** The per-test folder for config files (kept next to the logs for debugging). */
  public Path files() {
    Path files = logDir.resolve("files");
    try {
      return Files.createDirectories(files);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes (replaces) files()/relative and returns its path. */
  public Path writeFile(String relative, String content) {
    Path p = files().resolve(relative).normalize();
    if (!p.startsWith(files())) {
      throw new IllegalArgumentException("file outside the test folder: " + relative);
    }
    try {
      Files.createDirectories(p.getParent());
      Path tmp = Files.createTempFile(p.getParent(), ".tmp-", ".part");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      // Atomic so that watchers (pilot --config-dir) never see half a file.
      return Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public synchronized List<ProcessFixture> processes() {
    return List.copyOf(processes);
  }

  /** Starts a process and waits for its readiness; its log is {@code <logDir>/<name>.log}. */
  public synchronized ProcessFixture start(ProcessSpec spec) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    int n = names.merge(spec.name(), 1, Integer::sum);
    String logName = n == 1 ? spec.name() : spec.name() + "-" + n;
    ProcessFixture p = ProcessFixture.start(spec, logDir.resolve(logName + ".log"));
    processes.add(p);
    return p;
  }

  /** Runs cleanup on close, after every process was stopped (newest cleanup first). */
  public synchronized void onClose(Runnable cleanup) {
    cleanups.push(cleanup);
  }

  /** A spec for {@code java -jar <module>/target/minimesh-<module>-exec.jar args…}. */
  public static ProcessSpec.Builder javaSpec(String name, String module, List<String> jvmOpts, String... args) {
    return ProcessSpec.builder(name).command(Jars.javaCommand(module, jvmOpts, List.of(args)));
  }

  // ---- upstreams ----

  /** testapp on free loopback ports; ready when it prints its READY line. */
  public TestAppProcess testapp(String name) {
    return testapp(name, null, "127.0.0.1");
  }

  /** testapp inside a pod (bound to bind, e.g. "0.0.0.0"), or on the host when pod is null. */
  public TestAppProcess testapp(String name, NetnsPod pod, String bind) {
    ProcessSpec spec = javaSpec(name, "testapp", List.of(), "--name", name, "--bind", bind,
        "--http-port", "0", "--grpc-port", "0", "--tcp-port", "0")
        .readiness(Readiness.logLine(READY_LINE))
        .build();
    if (pod != null) {
      spec = pod.wrap(spec);
    }
    ProcessFixture p = start(spec);
    MatchResult m = p.findLogLine(java.util.regex.Pattern.compile(READY_LINE)).orElseThrow();
    String host = pod != null ? pod.ip() : bind.equals("0.0.0.0") ? "127.0.0.1" : bind;
    return new TestAppProcess(p, name, host, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
        Integer.parseInt(m.group(3)));
  }

  private static final String READY_LINE = "^READY http=(\\d+) grpc=(\\d+) tcp=(\\d+)";

  /** Debian's httpbin on a free loopback port (requires {@link Prerequisite#HTTPBIN}). */
  public HttpbinProcess httpbin() {
    return httpbin("httpbin");
  }

  public HttpbinProcess httpbin(String name) {
    Prerequisites.require(Prerequisite.HTTPBIN);
    String gunicorn = Executables.find("gunicorn").or(() -> Executables.find("gunicorn3")).orElseThrow().toString();
    ProcessFixture.ProcessStartException last = null;
    // gunicorn cannot bind port 0 and report it: pick a free port, retry if someone took it meanwhile.
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = Ports.free();
      ProcessSpec spec = ProcessSpec.builder(name)
          .command(gunicorn, "--bind", "127.0.0.1:" + port, "--workers", "1", "--access-logfile", "-",
              "--graceful-timeout", "2", "httpbin:app")
          .env("PYTHONUNBUFFERED", "1")
          .readiness(Readiness.httpOk("http://127.0.0.1:" + port + "/get"))
          .build();
      try {
        return new HttpbinProcess(start(spec), "127.0.0.1", port);
      } catch (ProcessFixture.ProcessStartException e) {
        last = e;
      }
    }
    throw last;
  }

  // ---- mesh components (contracts in docs/design/contracts.md) ----

  /** mesh-proxy with a config file; ready when its admin {@code /ready} answers 200. */
  public ProxyProcess meshProxy(String name, Path config, int adminPort, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("-c", config.toString()));
    args.addAll(List.of(extraArgs));
    ProcessFixture p = start(javaSpec(name, "dataplane", List.of(), args.toArray(String[]::new))
        .readiness(Readiness.httpOk("http://127.0.0.1:" + adminPort + "/ready"))
        .build());
    return new ProxyProcess(p, new ProxyAdmin("127.0.0.1", adminPort));
  }

  /** pilot in directory mode on free loopback ports; ready when {@code :monitoring/ready} answers 200. */
  public PilotProcess pilot(Path configDir, String... extraArgs) {
    return pilotOn("127.0.0.1", configDir, extraArgs);
  }

  /** pilot bound to {@code bind} (e.g. a {@link NetnsBridge#gateway()} that pods reach). */
  public PilotProcess pilotOn(String bind, Path configDir, String... extraArgs) {
    int[] ports = Ports.free(2);
    List<String> args = new ArrayList<>(List.of("--config-dir", configDir.toString(), "--bind", bind,
        "--xds-port", String.valueOf(ports[0]), "--monitoring-port", String.valueOf(ports[1])));
    args.addAll(List.of(extraArgs));
    ProcessFixture p = start(javaSpec("pilot", "pilot", List.of(), args.toArray(String[]::new))
        .readiness(Readiness.httpOk("http://" + bind + ":" + ports[1] + "/ready"))
        .build());
    return new PilotProcess(p, ports[0], ports[1], bind);
  }

  /**
   * {@code pilot-agent proxy <role> --id <id> --discovery-address <pilot>} on free ports, running the
   * dataplane jar as its proxy; ready when the agent prints its READY line (use
   * {@link AgentProcess#readyUrl()} to wait for config from pilot).
   */
  public AgentProcess pilotAgent(String name, String role, String id, String discoveryAddress, String... extraArgs) {
    int[] ports = Ports.free(3);
    String proxyCommand = String.join(" ", Jars.javaCommand("dataplane", List.of(), List.of()));
    List<String> args = new ArrayList<>(List.of("proxy", role, "--id", id, "--discovery-address", discoveryAddress,
        "--admin-port", String.valueOf(ports[0]), "--status-port", String.valueOf(ports[1]),
        "--metrics-port", String.valueOf(ports[2]), "--config-dir", files().resolve(name).toString(),
        "--proxy-command", proxyCommand));
    args.addAll(List.of(extraArgs));
    ProcessFixture p = start(javaSpec(name, "pilot-agent", List.of(), args.toArray(String[]::new))
        .readiness(Readiness.logLine("pilot-agent: READY"))
        .build());
    return new AgentProcess(p, ports[0], ports[1], ports[2]);
  }

  /** Runs {@code meshctl args…} to completion; command and output are appended to meshctl.log. */
  public CommandResult meshctl(String... args) {
    return run("meshctl", Jars.javaCommand("meshctl", List.of(), List.of(args)), Duration.ofSeconds(60));
  }

  /** Runs a command to completion, appending command and output to {@code <logDir>/<logName>.log}. */
  public CommandResult run(String logName, List<String> command, Duration timeout) {
    return Commands.run(command, timeout, logDir.resolve(logName + ".log"));
  }

  // ---- diagnostics ----

  /** The last lines of every process log, as printed when a test fails. */
  public String logTails(int lines) {
    StringBuilder sb = new StringBuilder();
    for (ProcessFixture p : processes()) {
      sb.append("----- ").append(p).append(p.exitCode().map(c -> " exited " + c).orElse(" running"))
          .append(", last ").append(lines).append(" lines of ").append(p.log()).append('\n');
      p.tail(lines).forEach(l -> sb.append(l).append('\n'));
    }
    return sb.toString();
  }

  public void printLogTails(PrintStream out, int lines) {
    out.print(logTails(lines));
    out.flush();
  }

  /** Netty leak reports ("LEAK: …") in the logs of the child processes. */
  public List<String> leakReports() {
    List<String> leaks = new ArrayList<>();
    for (ProcessFixture p : processes()) {
      for (String line : p.logLines()) {
        if (line.contains("LEAK: ") && !line.startsWith(ProcessFixture.HEADER)) {
          leaks.add(p.name() + ": " + line.strip());
        }
      }
    }
    return leaks;
  }

  /** Stops every process (tree), newest first, then runs the cleanups. */
  @Override
  public void close() {
    List<ProcessFixture> toStop;
    List<Runnable> toRun;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = new ArrayList<>(processes);
      toRun = new ArrayList<>(cleanups);
    }
    RuntimeException failure = null;
    for (int i = toStop.size() - 1; i >= 0; i--) {
      toStop.get(i).close();
    }
    for (Runnable r : toRun) {
      try {
        r.run();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
