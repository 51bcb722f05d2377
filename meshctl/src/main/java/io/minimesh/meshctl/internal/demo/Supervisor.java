package io.minimesh.meshctl.internal.demo;

import io.minimesh.meshctl.MeshctlException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Owns the demo's child processes: starts them with their output in {@code <logDir>/<name>.log},
 * reports the first one that dies, and stops them all (newest first, whole process trees) exactly once —
 * from the command's normal end or from the JVM shutdown hook on Ctrl-C.
 */
public final class Supervisor implements AutoCloseable {
  private final Path logDir;
  private final Duration grace;
  private final List<Child> children = new ArrayList<>();
  private final CompletableFuture<Child> firstExit = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private boolean closed;

  public Supervisor(Path logDir, Duration grace) {
    this.logDir = logDir;
    this.grace = grace;
  }

  public synchronized Child start(String name, List<String> command, Map<String, String> env, Path workDir) {
    if (closed) {
      throw new MeshctlException("the demo is stopping; not starting " + name);
    }
    try {
      Files.createDirectories(logDir);
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(workDir.toFile());
      pb.environment().putAll(env);
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process p = pb.start();
      Child c = new Child(name, p, logDir.resolve(name + ".log"));
      children.add(c);
      p.onExit().thenRun(() -> firstExit.complete(c));
      return c;
    } catch (IOException e) {
      throw new MeshctlException("cannot start " + name + " (" + String.join(" ", command) + "): " + e.getMessage());
    }
  }

  /** Completes with the first child that exits (for whatever reason). */
  public CompletableFuture<Child> firstExit() {
    return firstExit;
  }

  public synchronized List<Child> children() {
    return List.copyOf(children);
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /** Stops every child, newest first; idempotent, and a second caller waits until the first is done. */
  @Override
  public void close() {
    List<Child> toStop;
    synchronized (this) {
      if (closed) {
        toStop = null;
      } else {
        closed = true;
        toStop = new ArrayList<>(children);
      }
    }
    if (toStop == null) {
      stopped.join();
      return;
    }
    try {
      for (int i = toStop.size() - 1; i >= 0; i--) {
        toStop.get(i).stop(grace);
      }
    } finally {
      stopped.complete(null);
    }
  }
}
