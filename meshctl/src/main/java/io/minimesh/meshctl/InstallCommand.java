package io.minimesh.meshctl;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.minimesh.meshctl.internal.install.Installer;
import io.minimesh.meshctl.internal.install.KindImages;
import io.minimesh.meshctl.internal.install.Manifests;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "install", mixinStandardHelpOptions = true,
    description = {
      "Install Minimesh into the current Kubernetes cluster: namespace minimesh-system, the Istio CRDs, RBAC, pilot,",
      "the sidecar injector and validation webhooks, and the ingress gateway(s). Server-side apply, so running it",
      "again changes nothing, and running it with other options updates the installation in place."
    })
final class InstallCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin InstallOptions options;

  @Option(names = "--dry-run", description = "Print what would be applied; change nothing.")
  boolean dryRun;

  @Option(names = {"-y", "--skip-confirmation"}, description = "Do not ask for confirmation.")
  boolean yes;

  @Option(names = "--load-images",
      description = "On a kind cluster, first load the locally built images into it (kind load docker-image).")
  boolean loadImages;

  @Option(names = "--readiness-timeout", defaultValue = "5m", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How long to wait for the Deployments to become ready (default: ${DEFAULT-VALUE}).")
  Duration readinessTimeout;

  @Option(names = "--readiness-poll", hidden = true, defaultValue = "1s", converter = DurationConverter.class,
      description = "Interval between readiness checks (tests shorten it).")
  Duration pollInterval;

  Installer.Sleeper sleeper = d -> Thread.sleep(d.toMillis());

  @Override
  public Integer call() throws Exception {
    Main root = Main.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    Manifests manifests = options.manifests();
    List<Manifests.Component> components = manifests.components();
    if (dryRun) {
      for (Manifests.Component c : components) {
        for (HasMetadata o : c.objects()) out.println("- Would apply " + Installer.describe(o));
      }
      out.println("✔ Dry run complete: " + components.stream().mapToInt(c -> c.objects().size()).sum()
          + " objects of the " + options.profile + " profile (nothing was changed)");
      out.flush();
      return 0;
    }
    try (KubernetesClient client = root.kube.client(root)) {
      String context = root.kube.contextName(root, client);
      if (!yes && !confirm(out, "This will install the Minimesh \"" + options.profile + "\" profile into the cluster"
          + (context.isEmpty() ? "" : " (context " + context + ")") + ". Proceed? (y/N) ")) {
        out.println("Cancelled.");
        return 1;
      }
      if (loadImages) {
        try {
          new KindImages(root.env, out).load(context, manifests.images());
        } catch (IllegalStateException e) {
          throw new MeshctlException(e.getMessage());
        }
      }
      Installer installer = new Installer(client);
      for (Manifests.Component c : components) {
        int changed = 0;
        for (HasMetadata o : c.objects()) {
          try {
            if (installer.apply(o).outcome() != Installer.Outcome.unchanged) changed++;
          } catch (IllegalStateException e) {
            throw new MeshctlException(e.getMessage());
          }
        }
        List<Deployment> deployments = c.objects().stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).toList();
        if (!deployments.isEmpty()) {
          try {
            installer.awaitReady(deployments, readinessTimeout, pollInterval, sleeper,
                pending -> {
                  out.println("- Processing resources for " + c.title() + ". Waiting for " + pending);
                  out.flush();
                });
          } catch (IllegalStateException e) {
            out.println("✘ " + c.title() + " encountered an error: " + e.getMessage());
            out.flush();
            throw new MeshctlException("installation incomplete: " + c.title() + " did not become ready");
          }
        }
        out.println("✔ " + c.title() + " installed" + (changed == 0 ? " (unchanged)" : ""));
        out.flush();
      }
      out.println("✔ Installation complete");
      out.flush();
      return 0;
    }
  }

  static boolean confirm(PrintWriter out, String question) {
    out.print(question);
    out.flush();
    try {
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      return line != null && (line.trim().equalsIgnoreCase("y") || line.trim().equalsIgnoreCase("yes"));
    } catch (IOException e) {
      return false;
    }
  }
}
