package io.minimesh.meshctl.internal.demo;

import io.minimesh.meshctl.MeshctlException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the other modules' self-contained jars, {@code <repo>/<module>/target/minimesh-<module>-exec.jar},
 * with the same JVM as meshctl and each role's JVM flags (as the bin/ launchers set them).
 */
public final class SiblingJars implements Launcher {
  /** JVM flags per role, mirroring bin/<command>. */
  static final Map<String, List<String>> ROLE_OPTS =
      Map.of(
          "dataplane", List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-Xss512k"),
          "testapp", List.of("-XX:+UseSerialGC", "-Xmx128m"),
          "pilot", List.of("-XX:+UseG1GC", "-Xms64m", "-Xmx1g", "-XX:+ExitOnOutOfMemoryError"),
          "pilot-agent", List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError"));

  private final Path repoDir;
  private final String java;

  public SiblingJars(Path repoDir, String java) {
    this.repoDir = repoDir;
    this.java = java;
  }

  public Path repoDir() {
    return repoDir;
  }

  public Path jar(String module) {
    return repoDir.resolve(module).resolve("target").resolve("minimesh-" + module + "-exec.jar");
  }

  @Override
  public List<String> command(String module, List<String> args) {
    Path jar = jar(module);
    if (!Files.isRegularFile(jar)) {
      throw new MeshctlException(
          "cannot find " + jar + "; build it with: (cd " + repoDir + " && ./mvnw -B -pl " + module
              + " -am package -DskipTests) — bin/meshctl builds it for you — or point --repo-dir at the repository");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(ROLE_OPTS.getOrDefault(module, List.of()));
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(args);
    return cmd;
  }

  /**
   * The repository meshctl runs from: its code lives in {@code <repo>/meshctl/target/<jar or classes>},
   * three levels below the repository.
   */
  public static Path repoOf(Path codeSource) {
    Path p = codeSource.toAbsolutePath().normalize();
    Path repo = p.getParent() == null ? null : p.getParent().getParent();
    repo = repo == null ? null : repo.getParent();
    if (repo == null) {
      throw new MeshctlException("cannot tell the repository from " + codeSource + "; use --repo-dir");
    }
    return repo;
  }

  public static Path ownCodeSource() {
    try {
      return Path.of(SiblingJars.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | RuntimeException e) {
      throw new MeshctlException("cannot locate meshctl's own jar; use --repo-dir");
    }
  }

  /** The java binary running meshctl (so children use the same JDK). */
  public static String currentJava() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
