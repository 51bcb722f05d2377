package io.minimesh.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.minimesh.api.xds.v1.ProxyType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "proxy",
    description = "Generates the proxy's bootstrap, runs the proxy (restarting it if it dies),"
        + " serves readiness on the status port and merged metrics on the metrics port.")
final class ProxyCommand implements Callable<Integer> {
  private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  @Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "sidecar|router", description = "The proxy's role.")
  String role;

  @Option(names = "--discovery-address", paramLabel = "HOST:PORT",
      description = "Pilot's xDS address (env MINIMESH_DISCOVERY_ADDRESS, default localhost:15010).")
  String discoveryAddress;

  @Option(names = "--id", paramLabel = "NAME.NAMESPACE",
      description = "Proxy identity (env POD_NAME and POD_NAMESPACE).")
  String id;

  @Option(names = "--labels", paramLabel = "k=v,…", description = "Workload labels.")
  String labels;

  @Option(names = "--port-map", paramLabel = "80:8080,…",
      description = "Service port to bind port, for a router's Gateway ports.")
  String portMap;

  @Option(names = "--admin-port", defaultValue = "15000")
  int adminPort;

  @Option(names = "--status-port", defaultValue = "15021")
  int statusPort;

  @Option(names = "--metrics-port", defaultValue = "15020")
  int metricsPort;

  @Option(names = "--bind-ip", defaultValue = "127.0.0.1", description = "Address of the proxy's admin API.")
  String bindIp;

  @Option(names = "--status-bind-ip", defaultValue = "0.0.0.0",
      description = "Address of the agent's status and metrics ports (the kubelet must reach them).")
  String statusBindIp;

  @Option(names = "--proxy-command", paramLabel = "COMMAND",
      description = "How to start the proxy (env MINIMESH_PROXY_COMMAND, default bin/mesh-proxy).")
  String proxyCommand;

  @Option(names = "--concurrency", description = "Proxy worker threads (default: the proxy's).")
  Integer concurrency;

  @Option(names = {"--log-level", "--proxyLogLevel"}, description = "Proxy log level: trace, debug, info, warn, error.")
  String logLevel;

  @Option(names = "--drain-time", defaultValue = "5s",
      description = "How long the proxy drains on SIGTERM before it is stopped.")
  Duration drainTime;

  @Option(names = "--config-dir", description = "Where the bootstrap is written (default: a temp dir).")
  Path configDir;

  @Option(names = "--locality", paramLabel = "REGION/ZONE/SUBZONE",
      description = "Locality (env MINIMESH_LOCALITY or ISTIO_LOCALITY).")
  String locality;

  // Flags of Istio's injected sidecar container, accepted so Istio templates work unchanged.
  @Option(names = "--domain", hidden = true)
  String istioDomain;

  @Option(names = "--proxyComponentLogLevel", hidden = true)
  String istioComponentLogLevel;

  @Option(names = "--log_output_level", hidden = true)
  String istioAgentLogLevel;

  @Option(names = "--serviceCluster", hidden = true)
  String istioServiceCluster;

  private final Env env;

  ProxyCommand(Env env) {
    this.env = env;
  }

  @Override
  public Integer call() throws Exception {
    AgentConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    return new AgentRuntime(config, env).run();
  }

  AgentConfig config() {
    ProxyType type =
        switch (role) {
          case "sidecar" -> ProxyType.SIDECAR;
          case "router" -> ProxyType.ROUTER;
          default -> throw new IllegalArgumentException(
              "unknown proxy type \"" + role + "\": expected sidecar or router");
        };
    JsonNode proxyConfig = proxyConfig();
    String discovery =
        first(discoveryAddress, env.get("MINIMESH_DISCOVERY_ADDRESS"),
            text(proxyConfig, "discoveryAddress"), "localhost:15010");

    String name;
    String namespace;
    String ident = id != null ? id : env.get("POD_NAME");
    if (ident == null) {
      throw new IllegalArgumentException("--id NAME.NAMESPACE is required (or set POD_NAME and POD_NAMESPACE)");
    }
    if (id != null && id.lastIndexOf('.') > 0 && id.lastIndexOf('.') < id.length() - 1) {
      // Namespaces have no dots, pod names may: split at the last one.
      name = id.substring(0, id.lastIndexOf('.'));
      namespace = id.substring(id.lastIndexOf('.') + 1);
    } else {
      name = ident;
      namespace = first(env.get("POD_NAMESPACE"), "default");
    }

    Map<String, String> labelMap = new LinkedHashMap<>();
    labelMap.putAll(jsonLabels("ISTIO_METAJSON_LABELS"));
    labelMap.putAll(jsonLabels("MINIMESH_METAJSON_LABELS"));
    labelMap.putAll(Flags.labels("--labels", labels));

    Map<String, String> metadata = new TreeMap<>();
    proxyConfig.path("proxyMetadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
    metadata.putAll(env.withPrefix("ISTIO_META_"));
    metadata.putAll(env.withPrefix("MINIMESH_META_"));

    List<String> ips = new ArrayList<>();
    String instanceIp = env.get("INSTANCE_IP");
    if (instanceIp != null) {
      Arrays.stream(instanceIp.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(ips::add);
    } else {
      ips.add(bindIp.equals("0.0.0.0") || bindIp.equals("::") ? "127.0.0.1" : bindIp);
    }

    String level = null;
    if (logLevel != null) {
      level = logLevel.toLowerCase().equals("warning") ? "warn" : logLevel.toLowerCase();
      if (!LOG_LEVELS.contains(level)) {
        throw new IllegalArgumentException(
            "invalid --log-level \"" + logLevel + "\": expected trace, debug, info, warn or error");
      }
    }
    String loc = first(locality, env.get("MINIMESH_LOCALITY"), env.get("ISTIO_LOCALITY"), "");
    if (!loc.isEmpty()) {
      BootstrapGenerator.locality(loc); // validate early
    }
    Path dir =
        configDir != null
            ? configDir
            : Paths.get(System.getProperty("java.io.tmpdir"), "minimesh-agent");
    String command = first(proxyCommand, env.get("MINIMESH_PROXY_COMMAND"), defaultProxyCommand());
    return new AgentConfig(
        type,
        discovery,
        name,
        namespace,
        labelMap,
        Flags.portMap(portMap),
        bindIp,
        adminPort,
        statusBindIp,
        statusPort,
        metricsPort,
        CommandLineSplitter.split(command),
        concurrency != null ? concurrency : proxyConfig.path("concurrency").asInt(0),
        level,
        drainTime,
        dir,
        ips,
        loc,
        metadata,
        Cli.version());
  }

  /** Istio's PROXY_CONFIG (ProxyConfig as JSON or YAML): discoveryAddress, concurrency, proxyMetadata. */
  private JsonNode proxyConfig() {
    String text = env.get("PROXY_CONFIG");
    if (text == null) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    try {
      JsonNode n = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(text);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("PROXY_CONFIG must be a ProxyConfig object");
      }
      return n;
    } catch (IOException e) {
      throw new IllegalArgumentException("PROXY_CONFIG is not valid JSON/YAML: " + e.getMessage());
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
  }

  private Map<String, String> jsonLabels(String var) {
    String json = env.get(var);
    Map<String, String> out = new LinkedHashMap<>();
    if (json == null) {
      return out;
    }
    try {
      JsonNode n = new ObjectMapper().readTree(json);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException(var + " must be a JSON object of labels");
      }
      n.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException(var + " is not valid JSON: " + e.getMessage());
    }
  }

  /** bin/mesh-proxy of the checkout or install this agent runs from, else mesh-proxy on the PATH. */
  static String defaultProxyCommand() {
    try {
      Path self = Paths.get(ProxyCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // <root>/pilot-agent/target/{classes,minimesh-pilot-agent-exec.jar}
      Path root = self.getParent() == null ? null : self.getParent().getParent();
      root = root == null ? null : root.getParent();
      if (root != null && Files.isExecutable(root.resolve("bin/mesh-proxy"))) {
        return root.resolve("bin/mesh-proxy").toString();
      }
    } catch (Exception ignored) {
      // fall through
    }
    if (Files.isExecutable(Paths.get("bin/mesh-proxy"))) {
      return "bin/mesh-proxy";
    }
    return "mesh-proxy";
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}
