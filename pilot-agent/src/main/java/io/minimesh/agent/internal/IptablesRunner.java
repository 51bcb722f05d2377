package io.minimesh.agent.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs iptables commands. A command prefix lets the same code run inside a network namespace
 * ({@code ip netns exec NS}), as the tests do.
 */
final class IptablesRunner {
  record Result(int exitCode, String output) {}

  private final List<String> prefix;
  private final String binary;

  IptablesRunner(List<String> prefix, String binary) {
    this.prefix = List.copyOf(prefix);
    this.binary = binary;
  }

  Result run(List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(binary);
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      return new Result(p.waitFor(), out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while running " + cmd, e);
    }
  }

  /** Removes any previous capture rules (so a rerun never duplicates them), then installs. */
  void install(IptablesConfig config) throws IOException {
    cleanup();
    for (List<String> rule : IptablesRules.install(config)) {
      Result r = run(rule);
      if (r.exitCode() != 0) {
        throw new IOException(
            IptablesRules.commandLine(binary, rule) + " failed (exit " + r.exitCode() + "): " + r.output());
      }
    }
  }

  /** Idempotent: deletes every jump (even duplicated ones) and the chains, ignoring absent ones. */
  void cleanup() throws IOException {
    List<List<String>> steps = IptablesRules.cleanup();
    for (List<String> step : steps) {
      if (step.get(2).equals("-D")) {
        // A jump added twice by hand is removed twice.
        for (int i = 0; i < 100 && run(step).exitCode() == 0; i++) {
          // keep deleting
        }
      } else {
        run(step);
      }
    }
  }
}
