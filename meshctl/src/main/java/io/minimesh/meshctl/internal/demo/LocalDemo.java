package io.minimesh.meshctl.internal.demo;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.meshctl.MeshctlException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local demo, step by step: each step starts one component through the {@link Launcher}, waits for
 * its readiness signal with a deadline and reports progress. Today: the test app as {@code webapp} and a
 * statically configured ingress proxy in front of it. The full mesh (pilot in directory mode, gateway and
 * sidecars through pilot-agent, sample Istio YAML in {@code <workDir>/config}) adds steps here; see
 * docs/local-mode.md.
 */
public final class LocalDemo implements AutoCloseable {
  static final Pattern TESTAPP_READY = Pattern.compile("READY http=(\\d+)");
  static final String NAMESPACE = "demo";
  static final String SERVICE = "webapp";

  public record Options(Path workDir, String bindAddress, int ingressPort, Duration startupTimeout, Duration stopGrace) {}

  /** What is running, and where. */
  public record Running(
      String bindAddress, int appPort, int ingressPort, int adminPort, Path bootstrap, Path logDir) {
    public String ingressUrl() {
      return "http://" + bindAddress + ":" + ingressPort + "/";
    }

    public String adminAddress() {
      return bindAddress + ":" + adminPort;
    }
  }

  private final Options options;
  private final Launcher launcher;
  private final PrintWriter progress;
  private final Supervisor supervisor;
  private final FreePorts ports = new FreePorts();

  public LocalDemo(Options options, Launcher launcher, PrintWriter progress) {
    this.options = options;
    this.launcher = launcher;
    this.progress = progress;
    this.supervisor = new Supervisor(options.workDir().resolve("logs"), options.stopGrace());
  }

  public Supervisor supervisor() {
    return supervisor;
  }

  /** Starts everything or, on the first failure, stops what was started and throws. */
  public Running start() {
    try {
      Files.createDirectories(options.workDir());
    } catch (IOException e) {
      throw new MeshctlException("cannot create the demo directory " + options.workDir() + ": " + e.getMessage());
    }
    String bind = options.bindAddress();
    try {
      // Step 1: the application.
      int appPort = step(1, 2, SERVICE + " (testapp)", () -> {
        Child app =
            supervisor.start(
                SERVICE,
                launcher.command(
                    "testapp",
                    List.of("--name", SERVICE, "--bind", bind, "--http-port", "0", "--grpc-port", "0", "--tcp-port", "0")),
                Map.of(),
                options.workDir());
        Matcher m = app.awaitLine(TESTAPP_READY, options.startupTimeout(), "ready (READY line)");
        int port = Integer.parseInt(m.group(1));
        return new StepResult<>(port, "http://" + bind + ":" + port);
      });

      // Step 2: the ingress proxy, statically configured to route / to the application.
      int ingressPort = options.ingressPort() > 0 ? options.ingressPort() : ports.pick(bind);
      if (options.ingressPort() > 0) {
        FreePorts.checkFree(bind, ingressPort);
      }
      int adminPort = ports.pick(bind);
      DemoBootstrap.Ingress ingress =
          new DemoBootstrap.Ingress(
              "ingressgateway." + NAMESPACE, bind, ingressPort, adminPort,
              SERVICE + "." + NAMESPACE + ".svc.cluster.local", 80, bind, appPort);
      Path bootstrap = writeBootstrap(options.workDir().resolve("ingress-bootstrap.json"), DemoBootstrap.ingress(ingress));
      step(2, 2, "ingress proxy (mesh-proxy)", () -> {
        Child proxy =
            supervisor.start(
                "ingress-proxy",
                launcher.command("dataplane", List.of("-c", bootstrap.toString(), "-l", "info")),
                Map.of(),
                options.workDir());
        proxy.awaitHttpOk(
            URI.create("http://" + bind + ":" + adminPort + "/ready"), options.startupTimeout(), "ready (admin /ready)");
        return new StepResult<>(null, "listener http://" + bind + ":" + ingressPort + ", admin " + bind + ":" + adminPort);
      });
      return new Running(bind, appPort, ingressPort, adminPort, bootstrap, options.workDir().resolve("logs"));
    } catch (RuntimeException e) {
      supervisor.close();
      throw e;
    }
  }

  /** The commands to try against a running demo. */
  public static List<String> tryCommands(Running r, String meshctl) {
    String admin = "--admin-address " + r.adminAddress();
    return List.of(
        "curl -s " + r.ingressUrl() + "headers            # through the proxy to webapp",
        "curl -s -o /dev/null -w '%{http_code}\\n' " + r.ingressUrl() + "status/503",
        meshctl + " proxy-config routes " + admin,
        meshctl + " proxy-config listeners " + admin,
        meshctl + " proxy-config clusters " + admin,
        meshctl + " proxy-config endpoints " + admin,
        meshctl + " proxy-config log " + admin + " --level debug",
        "curl -s http://" + r.adminAddress() + "/stats | grep upstream_rq");
  }

  private record StepResult<T>(T value, String detail) {}

  private interface StepBody<T> {
    StepResult<T> run();
  }

  private <T> T step(int n, int of, String what, StepBody<T> body) {
    progress.print("[" + n + "/" + of + "] starting " + what + " ... ");
    progress.flush();
    long t0 = System.nanoTime();
    try {
      StepResult<T> r = body.run();
      progress.printf("ready: %s (%.1fs)%n", r.detail(), (System.nanoTime() - t0) / 1e9);
      progress.flush();
      return r.value();
    } catch (RuntimeException e) {
      progress.println("failed");
      progress.flush();
      throw e;
    }
  }

  static Path writeBootstrap(Path file, Bootstrap b) {
    try {
      Files.writeString(file, JsonPrinter.print(b) + "\n");
      return file;
    } catch (IOException e) {
      throw new MeshctlException("cannot write " + file + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    supervisor.close();
  }
}
