package io.minimesh.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The repository and the executable jars the reactor packaged before the e2e tests ran. Tests never
 * build: a missing jar is an error telling how to build it.
 */
public final class Jars {

  /** JVM flags for child JVMs: quick start on few cores, and Netty leak detection like the tests. */
  static final List<String> DEFAULT_CHILD_OPTS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Xss512k", "-Xmx256m", "-Dio.netty.leakDetection.level=" + System.getProperty(
          "minimesh.e2e.leakDetection", "paranoid"));

  private static final Path ROOT = findRoot();

  private Jars() {}

  /** The repository root (the folder with mvnw and bin/). */
  public static Path repoRoot() {
    return ROOT;
  }

  /** {@code <module>/target/minimesh-<module>-exec.jar}, which must exist. */
  public static Path execJar(String module) {
    Path target = ROOT.resolve(module).resolve("target");
    Path jar = target.resolve("minimesh-" + module + "-exec.jar");
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    // The shade plugin names an attached jar <artifactId>-<version>-exec.jar unless told otherwise.
    if (Files.isDirectory(target)) {
      try (Stream<Path> s = Files.list(target)) {
        var found = s.filter(p -> {
          String n = p.getFileName().toString();
          return n.startsWith("minimesh-" + module + "-") && n.endsWith("-exec.jar");
        }).findFirst();
        if (found.isPresent()) {
          return found.get();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("executable jar of module " + module + " not found at " + jar
        + "; build it first: ./mvnw -B -o -pl e2e -am verify (e2e tests never build)");
  }

  /** {@code java <child opts> <extra opts> -jar <module exec jar> args…}. */
  public static List<String> javaCommand(String module, List<String> jvmOpts, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String override = System.getProperty("minimesh.e2e.childJvmOpts");
    if (override != null) {
      cmd.addAll(List.of(override.trim().split("\\s+")));
    } else {
      cmd.addAll(DEFAULT_CHILD_OPTS);
    }
    cmd.addAll(jvmOpts);
    cmd.add("-jar");
    cmd.add(execJar(module).toString());
    cmd.addAll(args);
    return cmd;
  }

  private static Path findRoot() {
    Path start = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("bin"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the repository root (a folder with mvnw and bin/) above " + start);
  }
}
