package io.minimesh.meshctl;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.minimesh.meshctl.internal.install.Installer;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "uninstall", mixinStandardHelpOptions = true,
    description = {
      "Remove Minimesh from the current Kubernetes cluster: every object meshctl install created (found by the label",
      "install.minimesh.io/owner=meshctl, so extra gateways too) and namespace minimesh-system. The Istio CRDs and",
      "your Istio resources stay unless --purge is given."
    })
final class UninstallCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--purge", description = "Also delete the Istio CRDs (and with them every Gateway, VirtualService, … in the cluster).")
  boolean purge;

  @Option(names = {"-y", "--skip-confirmation"}, description = "Do not ask for confirmation.")
  boolean yes;

  @Override
  public Integer call() {
    Main root = Main.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    try (KubernetesClient client = root.kube.client(root)) {
      if (!yes) {
        if (!InstallCommand.confirm(out, "All Minimesh resources will be removed from the cluster"
            + (purge ? ", including the Istio CRDs" : "") + ". Proceed? (y/N) ")) {
          out.println("Cancelled.");
          return 1;
        }
      }
      List<String> gone = new Installer(client).uninstall(purge);
      for (String g : gone) out.println("  Removed " + g + ".");
      out.println(gone.isEmpty() ? "✔ Nothing to remove: Minimesh is not installed." : "✔ Uninstall complete");
      out.flush();
      return 0;
    }
  }
}
