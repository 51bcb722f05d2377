package io.minimesh.agent;

import io.minimesh.agent.internal.Cli;

/** {@code bin/pilot-agent}: bootstraps and supervises the proxy, serves its health, installs capture rules. */
public final class Main {
  public static void main(String[] args) {
    int code = Cli.run(args);
    // "proxy" keeps non-daemon threads until shutdown; the others return here.
    System.exit(code);
  }

  private Main() {}
}
