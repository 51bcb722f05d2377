package io.minimesh.meshctl;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.minimesh.meshctl.internal.install.Installer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "verify-install", mixinStandardHelpOptions = true,
    description = "Check that every object of an installation (same --profile/--set/-f as install) exists and its Deployments are ready.")
final class VerifyInstallCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin InstallOptions options;

  @Override
  public Integer call() {
    Main root = Main.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    int failed = 0;
    int total = 0;
    try (KubernetesClient client = root.kube.client(root)) {
      Installer installer = new Installer(client);
      for (HasMetadata o : options.manifests().objects()) {
        total++;
        String what = o.getKind() + ": " + o.getMetadata().getName()
            + (o.getMetadata().getNamespace() == null ? "" : "." + o.getMetadata().getNamespace());
        HasMetadata live = installer.live(o);
        if (live == null) {
          failed++;
          out.println("✘ " + what + " not found");
        } else if (live instanceof Deployment d && !Installer.ready(d)) {
          failed++;
          int ready = d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
          int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
          out.println("✘ " + what + " not ready (" + ready + "/" + want + " replicas ready)");
        } else {
          out.println("✔ " + what + " checked successfully");
        }
      }
    }
    if (failed > 0) {
      out.flush();
      throw new MeshctlException("Minimesh installation is incomplete: " + failed + " of " + total + " objects missing or not ready");
    }
    out.println("Checked " + total + " objects: ✔ Minimesh is installed and verified successfully");
    out.flush();
    return 0;
  }
}
