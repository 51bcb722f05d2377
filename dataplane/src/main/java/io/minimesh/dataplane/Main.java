package io.minimesh.dataplane;

import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.runtime.ProxyOptions;
import io.minimesh.dataplane.runtime.ProxyRuntime;
import io.minimesh.dataplane.runtime.TimeSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/mesh-proxy}: Envoy's command line. */
@Command(
    name = "mesh-proxy",
    mixinStandardHelpOptions = true,
    version = "minimesh mesh-proxy 0.1.0",
    description = "Minimesh proxy (Envoy-compatible flags and configuration subset).")
public final class Main implements Callable<Integer> {
  @Option(names = {"-c", "--config-path"}, description = "Bootstrap file (YAML or JSON).")
  Path configPath;

  @Option(names = "--config-yaml", description = "Bootstrap as a YAML/JSON string (merged over --config-path).")
  String configYaml;

  @Option(names = {"-l", "--log-level"}, defaultValue = "info", description = "trace|debug|info|warn|error")
  String logLevel;

  @Option(names = "--concurrency", defaultValue = "0", description = "Event-loop threads (default: cores).")
  int concurrency;

  @Option(names = "--drain-time-s", defaultValue = "5", description = "Drain time on shutdown, seconds.")
  int drainTimeS;

  @Option(names = "--service-node", description = "Node id.")
  String serviceNode;

  @Option(names = "--service-cluster", description = "Service cluster.")
  String serviceCluster;

  @Option(names = "--base-id", hidden = true)
  String baseId;

  @Option(names = "--restart-epoch", hidden = true)
  String restartEpoch;

  private final List<String> args;

  Main(List<String> args) {
    this.args = args;
  }

  public static void main(String[] argv) {
    configureLogging(argv);
    int rc = new CommandLine(new Main(List.of(argv))).execute(argv);
    if (rc != 0) System.exit(rc);
  }

  private static void configureLogging(String[] argv) {
    String level = "info";
    for (int i = 0; i < argv.length - 1; i++) {
      if (argv[i].equals("-l") || argv[i].equals("--log-level")) level = argv[i + 1];
    }
    for (String a : argv) if (a.startsWith("--log-level=")) level = a.substring(12);
    try {
      io.minimesh.dataplane.logging.LogLevels.init(level, System.err);
    } catch (IllegalArgumentException bad) {
      io.minimesh.dataplane.logging.LogLevels.init("info", System.err); // picocli reports the bad flag
    }
  }

  @Override
  public Integer call() {
    Bootstrap bootstrap;
    try {
      bootstrap = load();
    } catch (InvalidConfigException e) {
      System.err.println(e.getMessage());
      return 1;
    }
    ProxyOptions opts =
        new ProxyOptions(
            concurrency, drainTimeS, serviceNode, serviceCluster, logLevel,
            configPath == null ? "" : configPath.toString(), TimeSource.SYSTEM, null, args);
    ProxyRuntime rt;
    try {
      rt = ProxyRuntime.start(bootstrap, opts);
    } catch (InvalidConfigException e) {
      System.err.println(e.getMessage());
      return 1;
    }
    io.minimesh.dataplane.xds.XdsClient xds = null;
    if (!bootstrap.getDynamicResources().getAdsAddress().isEmpty()) {
      xds = io.minimesh.dataplane.xds.XdsClient.create(bootstrap, rt, rt.stats());
      rt.setXdsStatusSource(xds.asStatusSource());
      rt.setReadyGate(xds.initialized());
      xds.start();
    }
    io.minimesh.dataplane.xds.XdsClient xdsClient = xds;
    CountDownLatch done = new CountDownLatch(1);
    rt.setOnQuit(
        () -> {
          if (xdsClient != null) xdsClient.close();
          rt.close();
          done.countDown();
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (done.getCount() > 0) {
                    if (xdsClient != null) xdsClient.close();
                    rt.shutdown(Duration.ofSeconds(drainTimeS));
                    done.countDown();
                  }
                },
                "shutdown"));
    System.err.println("mesh-proxy ready: admin " + rt.adminAddress() + ", listeners " + rt.listenerAddresses());
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private Bootstrap load() throws InvalidConfigException {
    if (configPath == null && configYaml == null) {
      throw new InvalidConfigException("no configuration: use -c/--config-path FILE or --config-yaml STRING");
    }
    Bootstrap b = configPath != null ? BootstrapLoader.fromFile(configPath) : Bootstrap.getDefaultInstance();
    if (configYaml != null) {
      Bootstrap y = BootstrapLoader.fromString(configYaml);
      b = b.toBuilder().mergeFrom(y).build();
    }
    if (serviceNode != null && b.getNode().getId().isEmpty()) b = b.toBuilder().setNode(b.getNode().toBuilder().setId(serviceNode)).build();
    if (serviceCluster != null && b.getNode().getCluster().isEmpty()) {
      b = b.toBuilder().setNode(b.getNode().toBuilder().setCluster(serviceCluster)).build();
    }
    return b;
  }
}
