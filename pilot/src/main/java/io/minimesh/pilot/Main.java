package io.minimesh.pilot;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.minimesh.api.istio.IstioDuration;
import io.minimesh.pilot.config.DirectoryConfigSource;
import io.minimesh.pilot.monitoring.MonitoringServer;
import io.minimesh.pilot.monitoring.PilotMetrics;
import io.minimesh.pilot.server.DiscoveryServer;
import io.minimesh.pilot.server.Pilot;
import io.minimesh.pilot.server.Scheduler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/pilot}: the Minimesh control plane. */
@Command(name = "pilot", mixinStandardHelpOptions = true, version = "pilot 0.1.0",
    description = "Minimesh control plane: Istio networking YAML in, per-proxy xDS out over ADS.")
public final class Main implements java.util.concurrent.Callable<Integer> {
  @Option(names = "--config-dir", paramLabel = "DIR", description = "Directory of Istio YAML files (watched).")
  Path configDir;

  @Option(names = "--xds-port", defaultValue = "15010", description = "Plaintext gRPC ADS port (default: ${DEFAULT-VALUE}).")
  int xdsPort;

  @Option(names = "--monitoring-port", defaultValue = "15014", description = "HTTP /metrics, /ready, /debug/* port (default: ${DEFAULT-VALUE}).")
  int monitoringPort;

  @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--debounce-after", defaultValue = "100ms", description = "Quiet period before a push (default: ${DEFAULT-VALUE}).")
  String debounceAfter;

  @Option(names = "--debounce-max", defaultValue = "10s", description = "Longest a change waits for a push (default: ${DEFAULT-VALUE}).")
  String debounceMax;

  @Option(names = "--rescan-interval", defaultValue = "2s", description = "Periodic rescan of --config-dir besides file events (default: ${DEFAULT-VALUE}).")
  String rescanInterval;

  // In a cluster the install mounts ConfigMap "minimesh" and names its "mesh" key in MINIMESH_MESH_CONFIG.
  @Option(names = "--mesh-config", paramLabel = "FILE", defaultValue = "${env:MINIMESH_MESH_CONFIG}",
      description = "Istio MeshConfig YAML (accessLogFile, accessLogEncoding, accessLogFormat are used; default: $MINIMESH_MESH_CONFIG).")
  java.nio.file.Path meshConfig;

  @Option(names = "--kube", description = "Read config and services from Kubernetes (default inside a pod when --config-dir is not given).")
  boolean kube;

  @Option(names = "--kubeconfig", paramLabel = "FILE", description = "Kubeconfig file (default: in-cluster config, then $KUBECONFIG or ~/.kube/config).")
  Path kubeconfig;

  @Option(names = "--context", description = "Kubeconfig context (default: the current one).")
  String context;

  @Option(names = "--namespaces", split = ",", paramLabel = "NS", description = "Only read these namespaces (default: all).")
  java.util.List<String> namespaces = new java.util.ArrayList<>();

  @Option(names = "--namespace-selector", split = ",", paramLabel = "KEY=VALUE", description = "Only read namespaces with these labels (Istio's discoverySelectors).")
  java.util.Map<String, String> namespaceSelector = new java.util.LinkedHashMap<>();

  @Option(names = "--system-namespace", defaultValue = "${env:POD_NAMESPACE:-minimesh-system}", description = "Pilot's namespace: leader Lease, webhook certificate Secret (default: ${DEFAULT-VALUE}).")
  String systemNamespace;

  @Option(names = "--cluster-domain", defaultValue = "cluster.local", description = "Service DNS suffix (default: ${DEFAULT-VALUE}).")
  String clusterDomain;

  @Option(names = "--webhook-port", defaultValue = "15017", description = "HTTPS port of the /inject and /validate admission webhooks; -1 disables them (default: ${DEFAULT-VALUE}).")
  int webhookPort;

  @Option(names = "--webhook-cert-dir", paramLabel = "DIR", description = "tls.crt, tls.key (and ca.crt) for the webhooks; without them pilot makes its own.")
  Path webhookCertDir;

  @Option(names = "--proxy-image", defaultValue = "${env:MINIMESH_PROXY_IMAGE:-" + io.minimesh.pilot.inject.InjectionConfig.DEFAULT_PROXY_IMAGE + "}", description = "Image of injected proxies (default: ${DEFAULT-VALUE}).")
  String proxyImage;

  @Option(names = "--injected-discovery-address", paramLabel = "HOST:PORT", description = "Pilot's xDS address as injected proxies see it (default: minimesh-pilot.<system-namespace>.svc:15010).")
  String injectedDiscoveryAddress;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (configDir == null && !kube && io.minimesh.pilot.kube.KubeMode.inCluster()) kube = true;
    if (kube && configDir != null) {
      System.err.println("pilot: --kube and --config-dir exclude each other");
      return 2;
    }
    if (configDir == null && !kube) {
      System.err.println("pilot: --config-dir DIR or --kube is required");
      return 2;
    }
    Duration after;
    Duration max;
    Duration rescan;
    try {
      after = IstioDuration.parse(debounceAfter);
      max = IstioDuration.parse(debounceMax);
      rescan = IstioDuration.parse(rescanInterval);
    } catch (IllegalArgumentException e) {
      System.err.println("pilot: " + e.getMessage());
      return 2;
    }
    if (meshConfig != null) {
      try {
        io.minimesh.pilot.xds.MeshAccessLog.configure(io.minimesh.pilot.xds.MeshAccessLog.read(meshConfig));
      } catch (java.io.IOException | RuntimeException e) {
        System.err.println("pilot: --mesh-config: " + e.getMessage());
        return 2;
      }
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pilot-debounce");
      t.setDaemon(true);
      return t;
    });
    Scheduler scheduler = Scheduler.of(timer);
    PilotMetrics metrics = new PilotMetrics();
    String instance = "pilot-" + ProcessHandle.current().pid();
    DiscoveryServer xds = new DiscoveryServer(Clock.systemUTC(), System::nanoTime, metrics, instance);
    io.minimesh.pilot.kube.KubeMode kubeMode = null;
    io.minimesh.pilot.config.ConfigSource source;
    if (kube) {
      try {
        kubeMode = new io.minimesh.pilot.kube.KubeMode(io.minimesh.pilot.kube.KubeMode.client(kubeconfig, context),
            new io.minimesh.pilot.kube.KubeOptions(new java.util.HashSet<>(namespaces), namespaceSelector, clusterDomain, systemNamespace));
      } catch (java.io.IOException | RuntimeException e) {
        System.err.println("pilot: cannot configure the Kubernetes client: " + e.getMessage());
        return 1;
      }
      source = kubeMode.configSource();
    } else {
      source = new DirectoryConfigSource(configDir, rescan);
    }
    Pilot pilot = new Pilot(source, xds, metrics, scheduler, after, max);
    try {
      pilot.start();
    } catch (Exception e) {
      System.err.println("pilot: " + e.getMessage());
      if (kubeMode != null) kubeMode.close();
      return 1;
    }
    if (kubeMode != null && webhookPort >= 0) {
      try {
        io.minimesh.pilot.inject.InjectionConfig injection = io.minimesh.pilot.inject.InjectionConfig.builder()
            .proxyImage(proxyImage)
            .discoveryAddress(injectedDiscoveryAddress != null ? injectedDiscoveryAddress
                : io.minimesh.pilot.kube.KubeMode.SERVICE + "." + systemNamespace + ".svc:" + xdsPort)
            .build();
        kubeMode.startWebhooks(new InetSocketAddress(bind, webhookPort), webhookCertDir, injection,
            (io.minimesh.pilot.kube.KubeConfigSource) source);
      } catch (java.io.IOException | RuntimeException e) {
        System.err.println("pilot: cannot start the webhooks on " + bind + ":" + webhookPort + ": " + e.getMessage());
        pilot.close();
        kubeMode.close();
        return 1;
      }
    }
    final io.minimesh.pilot.kube.KubeMode kubeFinal = kubeMode;
    Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress(bind, xdsPort))
        .addService(io.grpc.ServerInterceptors.intercept(xds, DiscoveryServer.peerInterceptor()))
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .maxInboundMessageSize(64 << 20)
        .build();
    MonitoringServer mon = new MonitoringServer(new InetSocketAddress(bind, monitoringPort), metrics, xds, pilot::ready);
    try {
      grpc.start();
      mon.start();
    } catch (java.io.IOException e) {
      System.err.println("pilot: cannot listen: " + e.getMessage());
      grpc.shutdownNow();
      mon.close();
      return 1;
    }
    System.err.println("pilot: xDS on " + bind + ":" + grpc.getPort() + ", monitoring on " + bind + ":" + mon.port()
        + ", config from " + (kube ? "Kubernetes" + (webhookPort >= 0 ? ", webhooks on " + bind + ":" + webhookPort : "") : configDir));
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      grpc.shutdown();
      xds.shutdown();
      mon.close();
      pilot.close();
      if (kubeFinal != null) kubeFinal.close();
      timer.shutdownNow();
      done.countDown();
    }, "pilot-shutdown"));
    grpc.awaitTermination();
    done.await(10, TimeUnit.SECONDS);
    return 0;
  }
}
