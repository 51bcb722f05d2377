package io.minimesh.dataplane.runtime;

import java.util.List;

/**
 * How the proxy process runs (command-line level, not config).
 *
 * @param concurrency event-loop threads (Envoy's --concurrency)
 * @param drainTimeSeconds how long a graceful shutdown waits for in-flight requests
 */
public record ProxyOptions(
    int concurrency,
    int drainTimeSeconds,
    String serviceNode,
    String serviceCluster,
    String logLevel,
    String configPath,
    TimeSource time,
    Transport transport,
    List<String> commandLine) {

  public ProxyOptions {
    if (concurrency <= 0) concurrency = Runtime.getRuntime().availableProcessors();
    if (time == null) time = TimeSource.SYSTEM;
    if (transport == null) transport = Transport.best();
    commandLine = commandLine == null ? List.of() : List.copyOf(commandLine);
    serviceNode = serviceNode == null ? "" : serviceNode;
    serviceCluster = serviceCluster == null ? "" : serviceCluster;
    logLevel = logLevel == null ? "info" : logLevel;
    configPath = configPath == null ? "" : configPath;
  }

  /** Defaults suited to tests: two loops, system time, best transport. */
  public static ProxyOptions defaults() {
    return new ProxyOptions(2, 5, "", "", "info", "", TimeSource.SYSTEM, null, List.of());
  }

  public ProxyOptions withConcurrency(int n) {
    return new ProxyOptions(n, drainTimeSeconds, serviceNode, serviceCluster, logLevel, configPath, time, transport, commandLine);
  }
}
