package io.minimesh.meshctl;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "manifest", mixinStandardHelpOptions = true,
    description = "Render installation manifests.",
    subcommands = ManifestCommand.Generate.class)
final class ManifestCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing command; see meshctl manifest --help");
  }

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Print the Kubernetes manifests meshctl install applies (multi-document YAML), e.g. for kubectl apply or GitOps.")
  static final class Generate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin InstallOptions options;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.print(options.manifests().yaml());
      out.flush();
      return 0;
    }
  }
}
