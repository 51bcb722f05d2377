package io.minimesh.meshctl;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Connection to Kubernetes from {@code --kubeconfig}/{@code --context}, $KUBECONFIG or ~/.kube/config. */
class Kube {
  /** A client for the selected cluster; the caller closes it. */
  KubernetesClient client(Main root) {
    File file = kubeconfigFile(root);
    if (file == null) {
      throw new MeshctlException("no Kubernetes configuration: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config"
          + " (kind create cluster writes it)");
    }
    Config config;
    try {
      config = Config.fromKubeconfig(root.context, file);
    } catch (RuntimeException e) {
      throw new MeshctlException("cannot read Kubernetes configuration " + file + ": " + e.getMessage());
    }
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Whether a cluster is configured at all (commands that can work offline check this first). */
  boolean configured(Main root) {
    return kubeconfigFile(root) != null;
  }

  /** The context in use: the flag, else the file's current context, else "". */
  String contextName(Main root, KubernetesClient client) {
    if (root.context != null) return root.context;
    var ctx = client.getConfiguration().getCurrentContext();
    return ctx == null ? "" : ctx.getName();
  }

  private static File kubeconfigFile(Main root) {
    if (root.kubeconfig != null) {
      Path p = Path.of(root.kubeconfig);
      if (!Files.isRegularFile(p)) throw new MeshctlException("--kubeconfig " + p + ": no such file");
      return p.toFile();
    }
    String env = root.env.get("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      // kubectl merges a list; the first existing file is the one that usually holds the context.
      for (String part : env.split(File.pathSeparator)) {
        if (!part.isBlank() && Files.isRegularFile(Path.of(part))) return new File(part);
      }
    }
    String home = root.env.getOrDefault("HOME", System.getProperty("user.home"));
    Path def = Path.of(home, ".kube", "config");
    return Files.isRegularFile(def) ? def.toFile() : null;
  }
}
