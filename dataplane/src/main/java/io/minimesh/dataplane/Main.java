package io.minimesh.dataplane;

import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.cli.ProxyFlags;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.runtime.ProxyOptions;
import io.minimesh.dataplane.runtime.ProxyRuntime;
import io.minimesh.dataplane.runtime.TimeSource;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** {@code bin/mesh-proxy}: Envoy's command line ({@link ProxyFlags}). */
public final class Main {
  static final String VERSION = "minimesh mesh-proxy 0.1.0";

  private final ProxyFlags flags;
  private final List<String> args;

  Main(ProxyFlags flags, List<String> args) {
    this.flags = flags;
    this.args = args;
  }

  public static void main(String[] argv) {
    int rc = run(argv, System.out, System.err);
    if (rc != 0) System.exit(rc);
  }

  /** Parses the flags and runs the proxy until it is told to quit; the exit code (2: bad command line). */
  static int run(String[] argv, PrintStream out, PrintStream err) {
    ProxyFlags flags;
    try {
      flags = ProxyFlags.parse(argv);
    } catch (ProxyFlags.BadFlagException e) {
      err.println("mesh-proxy: " + e.getMessage());
      err.println("Try 'mesh-proxy --help' for more information.");
      return 2;
    }
    if (flags.help()) {
      out.print(ProxyFlags.USAGE);
      return 0;
    }
    if (flags.version()) {
      out.println(VERSION);
      return 0;
    }
    try {
      io.minimesh.dataplane.logging.LogLevels.parse(flags.logLevel());
    } catch (IllegalArgumentException bad) {
      err.println("mesh-proxy: option '--log-level': " + bad.getMessage());
      return 2;
    }
    io.minimesh.dataplane.logging.LogLevels.init(flags.logLevel(), err);
    if (!flags.ignored().isEmpty()) {
      org.slf4j.LoggerFactory.getLogger(Main.class).info("ignoring Envoy flags without effect here: {}", flags.ignored());
    }
    return new Main(flags, List.of(argv)).call(err);
  }

  private int call(PrintStream err) {
    Path configPath = flags.configPath();
    int drainTimeS = flags.drainTimeS();
    Bootstrap bootstrap;
    try {
      bootstrap = load();
    } catch (InvalidConfigException e) {
      err.println(e.getMessage());
      return 1;
    }
    ProxyOptions opts =
        new ProxyOptions(
            flags.concurrency(), drainTimeS, flags.serviceNode(), flags.serviceCluster(), flags.logLevel(),
            configPath == null ? "" : configPath.toString(), TimeSource.SYSTEM, null, args);
    ProxyRuntime rt;
    try {
      rt = ProxyRuntime.start(bootstrap, opts);
    } catch (InvalidConfigException e) {
      err.println(e.getMessage());
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
    err.println("mesh-proxy ready: admin " + rt.adminAddress() + ", listeners " + rt.listenerAddresses());
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private Bootstrap load() throws InvalidConfigException {
    Path configPath = flags.configPath();
    String configYaml = flags.configYaml();
    String serviceNode = flags.serviceNode();
    String serviceCluster = flags.serviceCluster();
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
