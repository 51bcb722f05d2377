package io.minimesh.e2e.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What to start: an immutable description built with {@link #builder(String)}. */
public record ProcessSpec(String name, List<String> command, Map<String, String> env, Path directory,
    Readiness readiness, Duration startTimeout, Duration stopGrace) {

  public ProcessSpec {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("process name must be a file-name-safe word: " + name);
    }
    if (command == null || command.isEmpty()) {
      throw new IllegalArgumentException("process " + name + ": empty command");
    }
    command = List.copyOf(command);
    env = Map.copyOf(env);
    Objects.requireNonNull(readiness, "readiness");
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(stopGrace, "stopGrace");
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** This spec run inside a network namespace ({@code ip netns exec NS …}). */
  public ProcessSpec inNetns(String netns) {
    List<String> wrapped = new ArrayList<>(List.of(Executables.require("ip"), "netns", "exec", netns));
    wrapped.addAll(command);
    return new ProcessSpec(name, wrapped, env, directory, readiness, startTimeout, stopGrace);
  }

  public ProcessSpec withReadiness(Readiness r) {
    return new ProcessSpec(name, command, env, directory, r, startTimeout, stopGrace);
  }

  public static final class Builder {
    private final String name;
    private final List<String> command = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private Path directory;
    private Readiness readiness = Readiness.none();
    private Duration startTimeout = Duration.ofSeconds(30);
    private Duration stopGrace = Duration.ofSeconds(5);

    private Builder(String name) {
      this.name = name;
    }

    public Builder command(String... args) {
      command.addAll(List.of(args));
      return this;
    }

    public Builder command(List<String> args) {
      command.addAll(args);
      return this;
    }

    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    public Builder directory(Path dir) {
      this.directory = dir;
      return this;
    }

    public Builder readiness(Readiness r) {
      this.readiness = r;
      return this;
    }

    public Builder startTimeout(Duration d) {
      this.startTimeout = d;
      return this;
    }

    /** How long SIGTERM gets before SIGKILL on teardown. */
    public Builder stopGrace(Duration d) {
      this.stopGrace = d;
      return this;
    }

    public ProcessSpec build() {
      return new ProcessSpec(name, command, env, directory, readiness, startTimeout, stopGrace);
    }
  }
}
