package io.minimesh.e2e.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs short commands (ip, iptables, curl, meshctl …) to completion with a deadline. */
public final class Commands {

  private Commands() {}

  public static CommandResult run(List<String> command, Duration timeout) {
    return run(command, Map.of(), null, timeout);
  }

  /** Runs command; kills its process tree and throws if it outlives timeout. */
  public static CommandResult run(List<String> command, Map<String, String> env, Path dir, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    String display = String.join(" ", command);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start: " + display, e);
    }
    ProcessFixture.register(p.toHandle());
    try {
      CompletableFuture<String> out = drain(p.getInputStream());
      CompletableFuture<String> err = drain(p.getErrorStream());
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        ProcessFixture.killTree(p.toHandle(), Duration.ZERO);
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s: " + display);
      }
      return new CommandResult(display, p.exitValue(), out.get(), err.get());
    } catch (InterruptedException e) {
      ProcessFixture.killTree(p.toHandle(), Duration.ZERO);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + display, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(display, e.getCause());
    } finally {
      ProcessFixture.unregister(p.toHandle());
    }
  }

  /** Like {@link #run} and also appends command and output to log. */
  public static CommandResult run(List<String> command, Duration timeout, Path log) {
    CommandResult r = run(command, timeout);
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, "$ " + r.command() + "\n" + r.stdout() + r.stderr() + "# exit " + r.exitCode() + "\n",
          StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return r;
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }, r -> {
      Thread t = new Thread(r, "command-output");
      t.setDaemon(true);
      t.start();
    });
  }
}
