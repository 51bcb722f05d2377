package io.minimesh.meshctl;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import java.util.List;

/** Commands of the Kubernetes issue, listed so {@code meshctl --help} shows the whole tree. */
final class NotImplementedCommands {
  abstract static class Placeholder implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Unmatched List<String> ignored;

    @Override
    public Integer call() {
      throw new MeshctlException(spec.qualifiedName() + ": not implemented yet in this build");
    }
  }

  @Command(name = "install", mixinStandardHelpOptions = true,
      description = "Install Minimesh into the current Kubernetes cluster (not implemented yet in this build).")
  static final class Install extends Placeholder {}

  @Command(name = "uninstall", mixinStandardHelpOptions = true,
      description = "Remove Minimesh from the current Kubernetes cluster (not implemented yet in this build).")
  static final class Uninstall extends Placeholder {}

  @Command(name = "manifest", mixinStandardHelpOptions = true,
      description = "Render installation manifests.",
      subcommands = Manifest.Generate.class)
  static final class Manifest extends Placeholder {
    @Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Print the Kubernetes manifests of an installation (not implemented yet in this build).")
    static final class Generate extends Placeholder {}
  }

  @Command(name = "verify-install", mixinStandardHelpOptions = true,
      description = "Check that an installation is complete and healthy (not implemented yet in this build).")
  static final class VerifyInstall extends Placeholder {}

  @Command(name = "analyze", mixinStandardHelpOptions = true,
      description = "Find problems in Istio configuration (not implemented yet in this build).")
  static final class Analyze extends Placeholder {}

  @Command(name = "kube-inject", mixinStandardHelpOptions = true,
      description = "Add the sidecar to Kubernetes workload YAML offline (not implemented yet in this build).")
  static final class KubeInject extends Placeholder {}

  private NotImplementedCommands() {}
}
