package io.minimesh.e2e.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** Finds programs on PATH, plus the sbin directories a non-login root shell may lack. */
public final class Executables {

  private Executables() {}

  public static Optional<Path> find(String name) {
    Set<String> dirs = new LinkedHashSet<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(":")) {
        if (!d.isEmpty()) {
          dirs.add(d);
        }
      }
    }
    dirs.add("/usr/local/sbin");
    dirs.add("/usr/sbin");
    dirs.add("/sbin");
    for (String d : dirs) {
      Path p = Path.of(d, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The absolute path of a program, or an exception naming it. */
  public static String require(String name) {
    return find(name).map(Path::toString)
        .orElseThrow(() -> new IllegalStateException(name + " not found on PATH"));
  }

  /** The interpreter of a script's {@code #!} line ("/usr/bin/python3"), if it has one. */
  static Optional<String> interpreterOf(Path script) {
    try (BufferedReader r = Files.newBufferedReader(script, StandardCharsets.ISO_8859_1)) {
      String first = r.readLine();
      if (first == null || !first.startsWith("#!")) {
        return Optional.empty();
      }
      String[] parts = first.substring(2).trim().split("\\s+");
      if (parts[0].endsWith("/env") && parts.length > 1) {
        return Optional.of(parts[1]);
      }
      return Optional.of(parts[0]);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
