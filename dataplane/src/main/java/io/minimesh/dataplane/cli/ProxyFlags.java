package io.minimesh.dataplane.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * mesh-proxy's command line, Envoy's flags. Parsed by hand rather than with picocli: picocli's classes
 * are compiled for Java 5, so the JVM can neither keep them in the AppCDS archive nor load them fast, and
 * they cost a proxy about 0.4 s of its start-up (docs/performance.md, History).
 *
 * <p>Flags that Envoy has and that do not apply to this proxy (hot restart, log format, the flags
 * Istio's pilot-agent always passes) are accepted and reported in {@link #ignored()}, so a command line
 * written for Envoy starts the proxy; an unknown flag is an error.
 */
public record ProxyFlags(
    Path configPath, String configYaml, String logLevel, int concurrency, int drainTimeS,
    String serviceNode, String serviceCluster, boolean help, boolean version, List<String> ignored) {

  public static final String USAGE = """
      Usage: mesh-proxy [-hV] [-c FILE] [--config-yaml YAML] [-l LEVEL] [--concurrency N]
                        [--drain-time-s N] [--service-node ID] [--service-cluster NAME]
      Minimesh proxy (Envoy-compatible flags and configuration subset).
        -c, --config-path FILE     Bootstrap file (YAML or JSON).
            --config-yaml YAML     Bootstrap as a YAML/JSON string (merged over --config-path).
        -l, --log-level LEVEL      trace|debug|info|warn|warning|error|critical|off (default info).
            --concurrency N        Event-loop threads (default: cores).
            --drain-time-s N       Drain time on shutdown, seconds (default 5).
            --service-node ID      Node id (when the bootstrap has none).
            --service-cluster NAME Service cluster (when the bootstrap has none).
        -h, --help                 Show this help message and exit.
        -V, --version              Print version information and exit.
      Accepted and ignored (Envoy flags without meaning here): --base-id, --restart-epoch,
        --disable-hot-restart, --drain-strategy, --parent-shutdown-time-s, --local-address-ip-version,
        --file-flush-interval-msec, --log-format, --component-log-level, --allow-unknown-static-fields,
        --reject-unknown-dynamic-fields, --service-zone, --use-dynamic-base-id.
      """;

  /** Envoy flags that take a value and have no effect here. */
  private static final Set<String> IGNORED_WITH_VALUE = Set.of(
      "--base-id", "--restart-epoch", "--drain-strategy", "--parent-shutdown-time-s",
      "--local-address-ip-version", "--file-flush-interval-msec", "--log-format", "--component-log-level",
      "--service-zone");

  /** Envoy switches that have no effect here. */
  private static final Set<String> IGNORED_SWITCHES = Set.of(
      "--disable-hot-restart", "--allow-unknown-static-fields", "--reject-unknown-dynamic-fields",
      "--use-dynamic-base-id");

  /** Parses Envoy-style flags ({@code --name value}, {@code --name=value}, {@code -c value}). */
  public static ProxyFlags parse(String... args) throws BadFlagException {
    Path configPath = null;
    String configYaml = null;
    String logLevel = "info";
    int concurrency = 0;
    int drainTimeS = 5;
    String serviceNode = null;
    String serviceCluster = null;
    boolean help = false;
    boolean version = false;
    List<String> ignored = new java.util.ArrayList<>();
    Cursor c = new Cursor(args);
    while (c.hasNext()) {
      String arg = c.next();
      String name = arg;
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        inline = arg.substring(eq + 1);
      }
      switch (name) {
        case "-h", "--help" -> help = true;
        case "-V", "--version" -> version = true;
        case "-c", "--config-path" -> configPath = Path.of(c.value(name, inline));
        case "--config-yaml" -> configYaml = c.value(name, inline);
        case "-l", "--log-level" -> logLevel = c.value(name, inline);
        case "--concurrency" -> concurrency = number(c.value(name, inline), name, 0);
        case "--drain-time-s" -> drainTimeS = number(c.value(name, inline), name, 0);
        case "--service-node" -> serviceNode = c.value(name, inline);
        case "--service-cluster" -> serviceCluster = c.value(name, inline);
        default -> {
          if (IGNORED_WITH_VALUE.contains(name)) {
            c.value(name, inline);
            ignored.add(name);
          } else if (IGNORED_SWITCHES.contains(name)) {
            if (inline != null) throw new BadFlagException("option '" + name + "' takes no value");
            ignored.add(name);
          } else if (name.startsWith("-")) {
            throw new BadFlagException("unknown option: '" + arg + "'");
          } else {
            throw new BadFlagException("unexpected argument: '" + arg + "'");
          }
        }
      }
      if (inline != null && (name.equals("-h") || name.equals("--help") || name.equals("-V") || name.equals("--version"))) {
        throw new BadFlagException("option '" + name + "' takes no value");
      }
    }
    return new ProxyFlags(configPath, configYaml, logLevel, concurrency, drainTimeS, serviceNode, serviceCluster,
        help, version, List.copyOf(ignored));
  }

  /** Walks the arguments; a flag's value is after '=' or the next argument. */
  private static final class Cursor {
    private final String[] args;
    private int i;

    Cursor(String[] args) {
      this.args = args;
    }

    boolean hasNext() {
      return i < args.length;
    }

    String next() {
      return args[i++];
    }

    String value(String name, String inline) throws BadFlagException {
      if (inline != null) return inline;
      if (!hasNext()) throw new BadFlagException("missing value for option '" + name + "'");
      return next();
    }
  }

  private static int number(String v, String name, int min) throws BadFlagException {
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min) throw new BadFlagException("option '" + name + "': must be at least " + min + ", got " + v);
      return n;
    } catch (NumberFormatException e) {
      throw new BadFlagException("option '" + name + "': '" + v + "' is not a number");
    }
  }

  /** A command line the proxy cannot start with; the message names the option. */
  public static final class BadFlagException extends Exception {
    public BadFlagException(String message) {
      super(message);
    }
  }
}
