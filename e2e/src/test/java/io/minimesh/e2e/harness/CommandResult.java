package io.minimesh.e2e.harness;

/** Outcome of a command run to completion. */
public record CommandResult(String command, int exitCode, String stdout, String stderr) {

  public boolean ok() {
    return exitCode == 0;
  }

  /** This result, or an AssertionError showing the command and its output. */
  public CommandResult assertOk() {
    if (exitCode != 0) {
      throw new AssertionError("command failed (exit " + exitCode + "): " + command
          + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr);
    }
    return this;
  }
}
