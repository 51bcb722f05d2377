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

  /** What the full mesh runs, and where its config lives. */
  public record MeshRunning(MeshLayout layout, Path configDir, Path logDir) {}

  /**
   * The full local mesh: pilot in directory mode on the sample config, the apps, the ingress gateway and
   * a sidecar per app through pilot-agent, each on its own loopback address (docs/local-mode.md).
   */
  public MeshRunning startMesh(MeshLayout layout) {
    Path configDir = options.workDir().resolve("config");
    try {
      SampleConfig.write(configDir, layout);
      progress.println("  config:   " + configDir + "  (edit it: pilot pushes the change)");
      progress.flush();
      checkAddresses(layout);
      int total = 2 + 2 * layout.workloads().size();
      int[] n = {0};
      step(++n[0], total, "pilot (directory mode)", () -> {
        Child pilot =
            supervisor.start(
                "pilot",
                launcher.command(
                    "pilot",
                    List.of("--config-dir", configDir.toString(), "--xds-port", String.valueOf(layout.xdsPort()),
                        "--monitoring-port", String.valueOf(layout.pilotMonitoringPort()), "--bind", layout.pilotIp())),
                Map.of(),
                options.workDir());
        pilot.awaitHttpOk(
            URI.create("http://" + layout.pilotIp() + ":" + layout.pilotMonitoringPort() + "/ready"),
            options.startupTimeout(), "ready (/ready)");
        return new StepResult<>(null, "xDS on " + layout.xdsAddress());
      });
      for (MeshLayout.Workload w : layout.workloads()) {
        step(++n[0], total, w.name() + " (testapp)", () -> {
          Child app =
              supervisor.start(
                  w.name(),
                  launcher.command(
                      "testapp",
                      List.of("--name", w.name(), "--bind", w.ip(), "--http-port", String.valueOf(MeshLayout.APP_PORT),
                          "--grpc-port", "0", "--tcp-port", "0")),
                  Map.of(),
                  options.workDir());
          app.awaitLine(TESTAPP_READY, options.startupTimeout(), "ready (READY line)");
          return new StepResult<>(null, "http://" + w.ip() + ":" + MeshLayout.APP_PORT);
        });
      }
      step(++n[0], total, "ingress gateway (pilot-agent router)", () -> {
        startAgent(layout, "ingressgateway", "router", MeshLayout.GATEWAY_ID, layout.gatewayIp(),
            List.of("--labels", "istio=ingressgateway", "--port-map", "80:" + layout.gatewayHttpPort()));
        return new StepResult<>(null, "http://" + layout.gatewayIp() + ":" + layout.gatewayHttpPort());
      });
      for (MeshLayout.Workload w : layout.workloads()) {
        step(++n[0], total, w.name() + " sidecar (pilot-agent sidecar)", () -> {
          startAgent(layout, w.name() + "-sidecar", "sidecar", w.id(), w.ip(),
              List.of("--labels", "app=" + w.service() + ",version=" + w.version()));
          return new StepResult<>(null, "inbound " + w.ip() + ":" + MeshLayout.INBOUND_PORT + ", outbound "
              + w.ip() + ":" + MeshLayout.OUTBOUND_PORT);
        });
      }
      return new MeshRunning(layout, configDir, options.workDir().resolve("logs"));
    } catch (RuntimeException e) {
      supervisor.close();
      throw e;
    }
  }

  private void startAgent(MeshLayout layout, String name, String role, String id, String ip, List<String> extra) {
    List<String> args = new java.util.ArrayList<>(List.of(
        "proxy", role, "--discovery-address", layout.xdsAddress(), "--id", id,
        "--bind-ip", ip, "--status-bind-ip", ip,
        "--admin-port", String.valueOf(MeshLayout.ADMIN_PORT),
        "--status-port", String.valueOf(MeshLayout.STATUS_PORT),
        "--metrics-port", String.valueOf(MeshLayout.METRICS_PORT),
        "--config-dir", options.workDir().resolve("proxies").resolve(name).toString(),
        "--proxy-command", shellJoin(launcher.command("dataplane", List.of()))));
    args.addAll(extra);
    Child agent = supervisor.start(name, launcher.command("pilot-agent", args), Map.of(), options.workDir());
    agent.awaitHttpOk(
        URI.create("http://" + ip + ":" + MeshLayout.STATUS_PORT + "/healthz/ready"),
        options.startupTimeout(), "ready (/healthz/ready: config accepted from pilot)");
  }

  /** Fails early, naming the address, when a fixed address:port of the layout is taken or not bindable. */
  static void checkAddresses(MeshLayout layout) {
    List<String> taken = new java.util.ArrayList<>();
    List<String[]> wanted = new java.util.ArrayList<>();
    wanted.add(new String[] {layout.pilotIp(), String.valueOf(layout.xdsPort())});
    wanted.add(new String[] {layout.pilotIp(), String.valueOf(layout.pilotMonitoringPort())});
    for (int p : new int[] {layout.gatewayHttpPort(), MeshLayout.ADMIN_PORT, MeshLayout.STATUS_PORT, MeshLayout.METRICS_PORT}) {
      wanted.add(new String[] {layout.gatewayIp(), String.valueOf(p)});
    }
    for (MeshLayout.Workload w : layout.workloads()) {
      for (int p : new int[] {MeshLayout.APP_PORT, MeshLayout.INBOUND_PORT, MeshLayout.OUTBOUND_PORT,
          MeshLayout.ADMIN_PORT, MeshLayout.STATUS_PORT, MeshLayout.METRICS_PORT}) {
        wanted.add(new String[] {w.ip(), String.valueOf(p)});
      }
    }
    for (String[] hp : wanted) {
      try {
        FreePorts.checkFree(hp[0], Integer.parseInt(hp[1]));
      } catch (MeshctlException e) {
        taken.add(hp[0] + ":" + hp[1]);
      }
    }
    if (!taken.isEmpty()) {
      throw new MeshctlException(
          "the local mesh needs these addresses, which are in use or not bindable: " + String.join(", ", taken)
              + " (is another demo running?)");
    }
  }

  static String shellJoin(List<String> cmd) {
    StringBuilder sb = new StringBuilder();
    for (String a : cmd) {
      if (sb.length() > 0) sb.append(' ');
      sb.append(a.matches("[A-Za-z0-9_./:=,+@%-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return sb.toString();
  }

  /** The commands to try against the full mesh. */
  public static List<String> meshTryCommands(MeshRunning r, String meshctl) {
    MeshLayout l = r.layout();
    String gw = "http://" + l.gatewayIp() + ":" + l.gatewayHttpPort();
    String host = "-H 'Host: " + MeshLayout.GATEWAY_HOST + "' ";
    MeshLayout.Workload first = l.workloads().get(0);
    return List.of(
        "curl -s " + host + gw + "/headers                      # through the gateway to webapp",
        "for i in $(seq 10); do curl -s -o /dev/null -D - " + host + gw + "/catalog/get | grep x-served-by; done   # 80/20 split",
        "curl -s -o /dev/null -w '%{http_code}\\n' " + host + gw + "/catalog/delay/3   # 504: the route's 2s timeout",
        "curl -s -x http://" + first.ip() + ":" + MeshLayout.OUTBOUND_PORT + " http://" + MeshLayout.fqdn("catalog")
            + "/headers   # from webapp through its sidecar",
        meshctl + " proxy-status",
        meshctl + " proxy-status " + MeshLayout.GATEWAY_ID,
        meshctl + " proxy-config routes " + MeshLayout.GATEWAY_ID,
        meshctl + " proxy-config clusters " + first.id(),
        "edit " + r.configDir().resolve("gateway.yaml") + " (weights, timeout) and run " + meshctl + " proxy-status again");
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
