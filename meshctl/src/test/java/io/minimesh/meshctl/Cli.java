package io.minimesh.meshctl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine;

/** Runs meshctl in-process with captured out/err, a fixed clock and a given environment. */
public final class Cli {
  /** The tests' "now": a little after the fixtures' certificates were issued. */
  public static final Instant NOW = Instant.parse("2027-01-15T10:00:00Z");

  public record Result(int exitCode, String out, String err) {}

  public static Result run(String... args) {
    return run(Map.of(), c -> {}, args);
  }

  public static Result run(Map<String, String> env, Consumer<CommandLine> customize, String... args) {
    CommandLine cl = Main.commandLine(env, Clock.fixed(NOW, ZoneOffset.UTC));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    customize.accept(cl);
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private Cli() {}
}
