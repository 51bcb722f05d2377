package io.minimesh.agent.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires a running agent: bootstrap file, supervised proxy, status and metrics servers. */
final class AgentRuntime {
  private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);
  static final Duration KILL_GRACE = Duration.ofSeconds(5);

  private final AgentConfig config;
  private final Env env;

  AgentRuntime(AgentConfig config, Env env) {
    this.config = config;
    this.env = env;
  }

  /** The proxy's command line: the configured command plus Envoy-style flags. */
  static List<String> proxyArgs(AgentConfig c, Path bootstrap) {
    List<String> cmd = new ArrayList<>(c.proxyCommand());
    cmd.add("-c");
    cmd.add(bootstrap.toString());
    cmd.add("--service-node");
    cmd.add(c.id());
    cmd.add("--service-cluster");
    cmd.add(BootstrapGenerator.serviceCluster(c));
    cmd.add("--drain-time-s");
    cmd.add(Long.toString(Math.max(1, (c.drainTime().toMillis() + 999) / 1000)));
    if (c.concurrency() > 0) {
      cmd.add("--concurrency");
      cmd.add(Integer.toString(c.concurrency()));
    }
    if (c.logLevel() != null) {
      cmd.add("--log-level");
      cmd.add(c.logLevel());
    }
    return cmd;
  }

  int run() throws IOException, InterruptedException {
    Path bootstrap;
    try {
      bootstrap = BootstrapGenerator.write(config);
    } catch (IOException e) {
      throw new IOException("cannot write the bootstrap to " + config.bootstrapFile() + ": " + e, e);
    }
    log.info("bootstrap for {} ({}) written to {}", config.id(), config.role(), bootstrap);
    AdminClient admin = new AdminClient(config.adminConnectHost(), config.adminPort(), Duration.ofSeconds(1));
    ExecutorScheduler scheduler = new ExecutorScheduler("agent-supervisor");
    ProxySupervisor supervisor =
        new ProxySupervisor(
            proxyArgs(config, bootstrap),
            ProcessLauncher.inheritIo(),
            scheduler,
            Backoff.DEFAULT,
            admin::drainListeners,
            config.drainTime(),
            KILL_GRACE);
    ReadinessChecker readiness = new ReadinessChecker(admin, supervisor::status);
    AgentMetrics metrics =
        new AgentMetrics(supervisor::status, readiness::check, admin, scheduler, config.version(),
            config.role().name().toLowerCase());
    String probeHost = config.ipAddresses().isEmpty() ? "127.0.0.1" : config.ipAddresses().get(0);
    AppProbers probers = AppProbers.fromEnv(env, probeHost);

    List<StatusServer> servers = new ArrayList<>();
    try {
      StatusServer status =
          new StatusServer(config.statusBindIp(), config.statusPort(), readiness::check, probers,
              metrics::render, supervisor::shutdown);
      servers.add(status);
      int metricsPort = config.metricsPort();
      if (metricsPort != config.statusPort() || metricsPort == 0) {
        servers.add(
            new StatusServer(config.statusBindIp(), metricsPort, readiness::check, probers,
                metrics::render, supervisor::shutdown));
      }
      // One line tools and tests can wait for (ports may have been 0 = any).
      System.out.println(
          "pilot-agent: READY status=" + status.port() + " metrics=" + servers.get(servers.size() - 1).port()
              + " admin=" + admin.address() + " node=" + config.id());
      System.out.flush();

      Thread hook = new Thread(() -> awaitShutdown(supervisor), "agent-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      supervisor.start();
      try {
        supervisor.terminated().get();
      } catch (ExecutionException e) {
        throw new IOException(e.getCause());
      }
      log.info("agent exiting");
      return 0;
    } finally {
      servers.forEach(StatusServer::close);
    }
  }

  /** SIGTERM/SIGINT: drain and stop the proxy before the JVM goes away. */
  private void awaitShutdown(ProxySupervisor supervisor) {
    try {
      supervisor
          .shutdown()
          .get(config.drainTime().plus(KILL_GRACE).plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("pilot-agent: proxy did not stop in time: " + e);
    }
  }
}
