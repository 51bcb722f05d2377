package io.minimesh.e2e.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * curl, for what the JDK client cannot do (h2c prior knowledge, {@code --resolve}/SNI, client
 * certificates) and for "an unmodified client" in network-namespace pods.
 */
public final class Curl {

  private Curl() {}

  /** {@code curl -sS --max-time 20 args…}. */
  public static CommandResult run(String... args) {
    return Commands.run(command(args), Duration.ofSeconds(30));
  }

  /** The curl command line, e.g. to run inside a pod. */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Executables.require("curl"), "-sS", "--max-time", "20"));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
