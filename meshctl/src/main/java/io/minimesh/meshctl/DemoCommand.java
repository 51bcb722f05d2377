package io.minimesh.meshctl;

import io.minimesh.meshctl.internal.demo.Child;
import io.minimesh.meshctl.internal.demo.Launcher;
import io.minimesh.meshctl.internal.demo.LocalDemo;
import io.minimesh.meshctl.internal.demo.MeshLayout;
import io.minimesh.meshctl.internal.demo.SiblingJars;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run a local mesh on this machine (no Kubernetes, no root) until Ctrl-C: pilot in directory mode on "
          + "sample Istio YAML, an ingress gateway, and webapp and catalog v1/v2 with sidecars, each workload "
          + "on its own 127.0.0.x address (see docs/local-mode.md).",
      "Ctrl-C stops every process the demo started."
    })
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--repo-dir", paramLabel = "DIR",
      description = "The Minimesh repository whose built jars to run (default: the one this meshctl runs from).")
  Path repoDir;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where generated config and logs go (default: a new minimesh-demo-* directory in the temp dir).")
  Path workDir;

  @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "IP",
      description = "Loopback address the demo binds (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--ingress-port", defaultValue = "0", paramLabel = "PORT",
      description = "Port of the ingress listener (default: a free port).")
  int ingressPort;

  @Option(names = "--startup-timeout", defaultValue = "60s", converter = DurationConverter.class,
      paramLabel = "DURATION", description = "How long each component may take to become ready (default: ${DEFAULT-VALUE}).")
  Duration startupTimeout;

  @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Stop by itself after this long instead of waiting for Ctrl-C.")
  Duration duration;

  @Option(names = "--no-wait", description = "Stop right after everything is ready and the hints are printed.")
  boolean noWait;

  @Option(names = "--small",
      description = "Run only the test app behind a statically configured proxy (no pilot, no sidecars).")
  boolean small;

  /** Accepted for scripts written when the full mesh was opt-in; it is the default now. */
  @Option(names = "--full", hidden = true)
  boolean fullFlag;

  /** Set by whoever stops the demo first: the command's normal end or the shutdown hook (Ctrl-C). */
  private final AtomicBoolean stopping = new AtomicBoolean();

  /** Tests replace how components are launched. */
  Function<Path, Launcher> launchers = repo -> new SiblingJars(repo, SiblingJars.currentJava());

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path repo = repoDir != null ? repoDir.toAbsolutePath() : SiblingJars.repoOf(SiblingJars.ownCodeSource());
    Path dir = workDir != null ? workDir.toAbsolutePath() : Files.createTempDirectory("minimesh-demo-");
    boolean full = !small;
    out.println(full
        ? "Minimesh local demo (full mesh: pilot, ingress gateway, webapp and catalog v1/v2 with sidecars)"
        : "Minimesh local demo (small mesh: webapp behind an ingress proxy)");
    out.println("  work dir: " + dir + "  (logs in " + dir.resolve("logs") + ")");
    out.flush();
    LocalDemo demo =
        new LocalDemo(
            new LocalDemo.Options(dir, bind, ingressPort, startupTimeout, Duration.ofSeconds(10)),
            launchers.apply(repo),
            out);
    Thread hook =
        new Thread(
            () -> {
              // Ctrl-C / SIGTERM: the JVM is exiting; stop the children before it does.
              if (!stopping.get()) {
                out.println();
                stop(demo, out);
              }
            },
            "meshctl-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      List<String> hints;
      try {
        hints =
            full
                ? LocalDemo.meshTryCommands(demo.startMesh(MeshLayout.standard()), "bin/meshctl")
                : LocalDemo.tryCommands(demo.start(), "bin/meshctl");
      } catch (MeshctlException e) {
        if (stopping.get()) {
          return 130; // Ctrl-C during start-up: the components died because we stopped them
        }
        throw e;
      }
      out.println();
      out.println("The demo is running. Try:");
      for (String line : hints) {
        out.println("  " + line);
      }
      out.println();
      out.flush();
      int code = waitForEnd(demo, out);
      stop(demo, out);
      return code;
    } finally {
      demo.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running
      }
    }
  }

  private int waitForEnd(LocalDemo demo, PrintWriter out) {
    if (noWait) {
      return 0;
    }
    out.println(duration == null ? "Press Ctrl-C to stop." : "Stopping after " + duration.toSeconds() + "s (or Ctrl-C).");
    out.flush();
    CompletableFuture<Child> exit = demo.supervisor().firstExit();
    try {
      Child died = duration == null ? exit.get() : exit.get(duration.toMillis(), TimeUnit.MILLISECONDS);
      if (demo.supervisor().isClosed()) {
        return 0; // Ctrl-C: the shutdown hook is stopping everything
      }
      throw new MeshctlException(
          died.name() + " exited unexpectedly (exit code " + died.onExit().join().exitValue() + "); see " + died.log()
              + tail(died));
    } catch (TimeoutException e) {
      return 0;
    } catch (ExecutionException e) {
      throw new MeshctlException("demo failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  private static String tail(Child c) {
    var t = c.tail();
    return t.isEmpty() ? "" : "\n  | " + String.join("\n  | ", t.subList(Math.max(0, t.size() - 10), t.size()));
  }

  private void stop(LocalDemo demo, PrintWriter out) {
    if (!stopping.compareAndSet(false, true)) {
      demo.close(); // the other caller is at it: wait until it is done
      return;
    }
    out.println("Stopping the demo...");
    out.flush();
    demo.close();
    out.println("Stopped; every process the demo started has exited.");
    out.flush();
  }
}
