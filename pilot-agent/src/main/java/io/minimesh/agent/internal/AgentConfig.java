package io.minimesh.agent.internal;

import io.minimesh.api.xds.v1.ProxyType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Everything {@code pilot-agent proxy} needs, validated once from flags and environment. */
record AgentConfig(
    ProxyType role,
    String discoveryAddress,
    String name,
    String namespace,
    Map<String, String> labels,
    String portMap,
    String bindIp,
    int adminPort,
    String statusBindIp,
    int statusPort,
    int metricsPort,
    List<String> proxyCommand,
    int concurrency,
    String logLevel,
    Duration drainTime,
    Path configDir,
    List<String> ipAddresses,
    String locality,
    Map<String, String> metadata,
    String version) {

  AgentConfig {
    Objects.requireNonNull(role, "role");
    Flags.hostPort("--discovery-address", discoveryAddress);
    if (name == null || name.isBlank() || namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("--id must be NAME.NAMESPACE");
    }
    labels = Map.copyOf(new TreeMap<>(labels));
    portMap = portMap == null ? "" : portMap;
    Flags.port("--admin-port", adminPort, false);
    Flags.port("--status-port", statusPort, true);
    Flags.port("--metrics-port", metricsPort, true);
    proxyCommand = List.copyOf(proxyCommand);
    if (proxyCommand.isEmpty()) {
      throw new IllegalArgumentException("--proxy-command must not be empty");
    }
    if (concurrency < 0) {
      throw new IllegalArgumentException("--concurrency must be >= 0, got " + concurrency);
    }
    if (drainTime.isNegative()) {
      throw new IllegalArgumentException("--drain-time must not be negative");
    }
    ipAddresses = List.copyOf(ipAddresses);
    locality = locality == null ? "" : locality;
    metadata = Map.copyOf(metadata);
    version = version == null ? "" : version;
  }

  String id() {
    return name + "." + namespace;
  }

  /** Where tools reach the admin API; a wildcard bind is reached on loopback. */
  String adminConnectHost() {
    return bindIp.equals("0.0.0.0") || bindIp.equals("::") ? "127.0.0.1" : bindIp;
  }

  Path bootstrapFile() {
    return configDir.resolve("bootstrap-" + id() + ".json");
  }
}
