package io.minimesh.meshctl.internal.install;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code meshctl install --load-images}: copies locally built images into a kind cluster's nodes. */
public final class KindImages {
  private final Map<String, String> env;
  private final PrintWriter out;

  public KindImages(Map<String, String> env, PrintWriter out) {
    this.env = env;
    this.out = out;
  }

  /** kind names its kubeconfig contexts "kind-CLUSTER". */
  public static String clusterName(String context) {
    if (context == null || !context.startsWith("kind-") || context.length() == 5) {
      throw new IllegalArgumentException("--load-images works on kind clusters only; context \"" + context
          + "\" is not a kind context (kind-NAME). Push the images to a registry instead and pass --set values.global.hub=REGISTRY");
    }
    return context.substring(5);
  }

  public void load(String context, List<String> images) throws InterruptedException {
    String cluster;
    try {
      cluster = clusterName(context);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage());
    }
    Path kind = find("kind");
    if (kind == null) {
      throw new IllegalStateException("kind not found on PATH: install it (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)"
          + " or load the images yourself: kind load docker-image " + String.join(" ", images) + " --name " + cluster);
    }
    List<String> cmd = new ArrayList<>(List.of(kind.toString(), "load", "docker-image"));
    cmd.addAll(images);
    cmd.add("--name");
    cmd.add(cluster);
    out.println("- Loading images into kind cluster \"" + cluster + "\": " + String.join(" ", images));
    out.flush();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("PATH", env.getOrDefault("PATH", ""));
    try {
      Process p = pb.start();
      StringBuilder log = new StringBuilder();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) log.append("  ").append(line).append('\n');
      }
      int code = p.waitFor();
      if (code != 0) {
        throw new IllegalStateException("kind load docker-image failed (exit " + code + "); were the images built? "
            + "(install/build-images.sh)\n" + log.toString().stripTrailing());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + kind + ": " + e.getMessage());
    }
    out.println("✔ Images loaded into kind cluster \"" + cluster + "\"");
    out.flush();
  }

  private Path find(String name) {
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) continue;
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
    }
    return null;
  }
}
