package io.minimesh.meshctl;

import io.minimesh.meshctl.internal.xds.PilotClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** {@code meshctl}: the Minimesh command line, shaped like istioctl. */
@Command(
    name = "meshctl",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = "Minimesh command line: run a local mesh, inspect proxies and the control plane.",
    subcommands = {
      DemoCommand.class,
      ProxyStatusCommand.class,
      ProxyConfigCommand.class,
      VersionCommand.class,
      InstallCommand.class,
      UninstallCommand.class,
      ManifestCommand.class,
      VerifyInstallCommand.class,
      AnalyzeCommand.class,
      KubeInjectCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  public static final String XDS_ADDRESS_ENV = "MESHCTL_XDS_ADDRESS";
  public static final String DEFAULT_XDS_ADDRESS = "localhost:15010";

  @Option(
      names = "--xds-address",
      scope = ScopeType.INHERIT,
      paramLabel = "HOST:PORT",
      description = "Pilot's xDS address (default: $" + XDS_ADDRESS_ENV + ", else " + DEFAULT_XDS_ADDRESS + ").")
  String xdsAddress;

  @Option(
      names = "--timeout",
      scope = ScopeType.INHERIT,
      defaultValue = "10s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Deadline of each call to pilot or a proxy (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--kubeconfig",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "Kubernetes configuration file (default: $KUBECONFIG, else ~/.kube/config).")
  String kubeconfig;

  @Option(
      names = "--context",
      scope = ScopeType.INHERIT,
      paramLabel = "NAME",
      description = "Kubernetes configuration context (default: the file's current context).")
  String context;

  @Spec CommandSpec spec;

  /** How commands reach Kubernetes; tests substitute a mock server's client. */
  Kube kube = new Kube();

  final Map<String, String> env;
  final Clock clock;

  Main(Map<String, String> env, Clock clock) {
    this.env = Map.copyOf(env);
    this.clock = clock;
  }

  public static void main(String[] args) {
    int code = commandLine(System.getenv(), Clock.systemUTC()).execute(args);
    System.exit(code);
  }

  /** The configured command line; tests pass their own environment and clock and capture out/err. */
  public static CommandLine commandLine(Map<String, String> env, Clock clock) {
    Main main = new Main(env, clock);
    CommandLine cl = new CommandLine(main);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionStrategy(parsed -> {
      try {
        return new CommandLine.RunLast().execute(parsed);
      } finally {
        main.closeResources();
      }
    });
    cl.setExecutionExceptionHandler(Main::handle);
    return cl;
  }

  private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if (e instanceof MeshctlException) {
      err.println("Error: " + e.getMessage());
    } else {
      err.println("Error: " + e);
      e.printStackTrace(err);
    }
    err.flush();
    return 1;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command; see meshctl --help");
  }

  String xdsAddress() {
    if (xdsAddress != null && !xdsAddress.isBlank()) {
      return xdsAddress;
    }
    String fromEnv = env.get(XDS_ADDRESS_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    return DEFAULT_XDS_ADDRESS;
  }

  PilotClient pilot() {
    return new PilotClient(KubeProxies.active(this) ? KubeProxies.pilotAddress(this) : xdsAddress(), timeout);
  }

  /** Port-forwards and clients a command opened; closed when the command ends. */
  private final java.util.Deque<AutoCloseable> resources = new java.util.ArrayDeque<>();

  void closeLater(AutoCloseable c) {
    resources.push(c);
  }

  private void closeResources() {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        // Best effort: the command's result is already decided.
      }
    }
  }

  static Main of(CommandSpec spec) {
    return (Main) spec.root().userObject();
  }

  /** This build's version (from the jar manifest or the filtered version.properties). */
  static String clientVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    if (v != null) {
      return v;
    }
    try (InputStream in = Main.class.getResourceAsStream("/io/minimesh/meshctl/version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "unknown");
      }
    } catch (IOException e) {
      // fall through
    }
    return "unknown";
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"meshctl " + clientVersion()};
    }
  }
}
