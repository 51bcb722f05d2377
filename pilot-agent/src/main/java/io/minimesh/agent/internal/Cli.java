package io.minimesh.agent.internal;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pilot-agent} command tree. */
public final class Cli {

  @Command(
      name = "pilot-agent",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = "Bootstraps and supervises the Minimesh proxy, serves its health and metrics,"
          + " and installs transparent traffic capture.",
      subcommands = {ProxyCommand.class, WaitCommand.class, IptablesCommand.class, RequestCommand.class,
        CommandLine.HelpCommand.class})
  static final class Root implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "Missing subcommand: proxy, wait, iptables or request");
    }
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"pilot-agent " + version()};
    }
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String... args) {
    return commandLine(Env.system(), new PrintWriter(System.out, true), new PrintWriter(System.err, true))
        .execute(args);
  }

  static CommandLine commandLine(Env env, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Root(), new Factory(env));
    cl.setOut(out);
    cl.setErr(err);
    cl.registerConverter(java.time.Duration.class, new Durations.Converter());
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          commandLine.getErr().println("Error: " + ex.getMessage());
          return 1;
        });
    return cl;
  }

  static String version() {
    String v = Cli.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  /** Gives the subcommands the environment (tests pass their own). */
  private record Factory(Env env) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      if (cls == ProxyCommand.class) {
        return cls.cast(new ProxyCommand(env));
      }
      if (cls == WaitCommand.class) {
        return cls.cast(new WaitCommand());
      }
      if (cls == IptablesCommand.class) {
        return cls.cast(new IptablesCommand());
      }
      return CommandLine.defaultFactory().create(cls);
    }
  }

  private Cli() {}
}
