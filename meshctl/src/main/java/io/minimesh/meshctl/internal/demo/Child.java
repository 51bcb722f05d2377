package io.minimesh.meshctl.internal.demo;

import io.minimesh.meshctl.MeshctlException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child process of the demo: its merged output goes to a log file (and is watched for readiness
 * lines); it can be stopped with its whole process tree.
 */
public final class Child {
  private static final int TAIL_LINES = 40;

  private final String name;
  private final Process process;
  private final Path log;
  private final Thread pump;
  private final Deque<String> tail = new ArrayDeque<>();
  private final List<String> history = new ArrayList<>();
  private final List<Watcher> watchers = new ArrayList<>();
  private boolean eof;

  private record Watcher(Pattern pattern, CompletableFuture<Matcher> result) {}

  Child(String name, Process process, Path log) throws IOException {
    this.name = name;
    this.process = process;
    this.log = log;
    BufferedWriter writer = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
    this.pump = new Thread(() -> pump(writer), "demo-log-" + name);
    pump.setDaemon(true);
    pump.start();
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  private void pump(BufferedWriter writer) {
    try (writer;
        BufferedReader r =
            new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        writer.write(line);
        writer.newLine();
        writer.flush();
        offer(line);
      }
    } catch (IOException e) {
      // stream closed when the process dies: fall through to EOF
    } finally {
      List<Watcher> pending;
      synchronized (this) {
        eof = true;
        pending = List.copyOf(watchers);
        watchers.clear();
      }
      for (Watcher w : pending) {
        w.result().completeExceptionally(new IllegalStateException("output ended"));
      }
    }
  }

  private void offer(String line) {
    List<Watcher> matched = new ArrayList<>();
    List<Matcher> results = new ArrayList<>();
    synchronized (this) {
      tail.addLast(line);
      if (tail.size() > TAIL_LINES) {
        tail.removeFirst();
      }
      if (history.size() < 1000) {
        history.add(line);
      }
      for (var it = watchers.iterator(); it.hasNext(); ) {
        Watcher w = it.next();
        Matcher m = w.pattern().matcher(line);
        if (m.find()) {
          matched.add(w);
          results.add(m);
          it.remove();
        }
      }
    }
    for (int i = 0; i < matched.size(); i++) {
      matched.get(i).result().complete(results.get(i));
    }
  }

  /** The last lines of output, for error messages. */
  public synchronized List<String> tail() {
    return List.copyOf(tail);
  }

  /** Waits for a line matching {@code pattern} (already printed ones count). */
  public Matcher awaitLine(Pattern pattern, Duration timeout, String what) {
    CompletableFuture<Matcher> f = new CompletableFuture<>();
    synchronized (this) {
      for (String line : history) {
        Matcher m = pattern.matcher(line);
        if (m.find()) {
          return m;
        }
      }
      if (eof) {
        f.completeExceptionally(new IllegalStateException("output ended"));
      } else {
        watchers.add(new Watcher(pattern, f));
      }
    }
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw exited("before it was " + what);
    } catch (TimeoutException e) {
      throw new MeshctlException(
          name + " was not " + what + " within " + fmt(timeout) + "; see " + log + tailText());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MeshctlException("interrupted while waiting for " + name);
    }
  }

  /** Polls {@code url} until it answers 200, the process dies, or the deadline passes. */
  public void awaitHttpOk(URI url, Duration timeout, String what) {
    HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (true) {
      if (!process.isAlive()) {
        throw exited("before it was " + what);
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(1)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body().strip();
      } catch (IOException e) {
        last = e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MeshctlException("interrupted while waiting for " + name);
      }
      if (System.nanoTime() > deadline) {
        throw new MeshctlException(
            name + " was not " + what + " within " + fmt(timeout) + " (" + url + ": " + last + "); see "
                + log + tailText());
      }
      try {
        Thread.sleep(100); // poll interval of a readiness probe
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MeshctlException("interrupted while waiting for " + name);
      }
    }
  }

  static String fmt(Duration d) {
    return d.toMillis() < 1000 ? d.toMillis() + "ms" : d.toSeconds() + "s";
  }

  MeshctlException exited(String when) {
    try {
      process.waitFor(2, TimeUnit.SECONDS);
      pump.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String code = process.isAlive() ? "still running" : "exit code " + process.exitValue();
    return new MeshctlException(name + " exited (" + code + ") " + when + "; see " + log + tailText());
  }

  private String tailText() {
    List<String> t = tail();
    if (t.isEmpty()) {
      return "";
    }
    List<String> last = t.subList(Math.max(0, t.size() - 10), t.size());
    return "\n  | " + String.join("\n  | ", last);
  }

  /**
   * Stops the process and every descendant: SIGTERM to the whole tree (a JVM child then runs its
   * shutdown hooks and drains), SIGKILL to whatever is left after {@code grace}.
   */
  void stop(Duration grace) {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(process.toHandle());
    // Snapshot first: once the parent dies its children are re-parented and no longer its descendants.
    process.descendants().forEach(tree::add);
    for (ProcessHandle h : tree) {
      h.destroy();
    }
    if (!awaitExit(tree, grace)) {
      for (ProcessHandle h : tree) {
        if (h.isAlive()) {
          h.destroyForcibly();
        }
      }
      awaitExit(tree, Duration.ofSeconds(10));
    }
    try {
      pump.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean awaitExit(List<ProcessHandle> tree, Duration timeout) {
    CompletableFuture<?>[] exits = tree.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(exits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return tree.stream().noneMatch(ProcessHandle::isAlive);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return tree.stream().noneMatch(ProcessHandle::isAlive);
    }
  }
}
