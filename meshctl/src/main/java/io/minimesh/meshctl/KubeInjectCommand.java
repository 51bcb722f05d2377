package io.minimesh.meshctl;

import io.minimesh.meshctl.internal.install.InstallValues;
import io.minimesh.meshctl.internal.install.Manifests;
import io.minimesh.meshctl.internal.inject.KubeInjector;
import io.minimesh.meshctl.internal.inject.PilotInjector;
import io.minimesh.meshctl.internal.inject.TemplateInjector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "kube-inject", mixinStandardHelpOptions = true,
    description = {
      "Add the sidecar to Kubernetes workload YAML offline, as the injection webhook would: the pod templates of",
      "Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Pods get the minimesh-init container",
      "and the proxy, unless they opt out (sidecar.minimesh.io/inject or sidecar.istio.io/inject: \"false\").",
      "Other documents are copied unchanged.  Example: meshctl kube-inject -f app.yaml | kubectl apply -f -"
    })
final class KubeInjectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE", description = "Input YAML, - for stdin.")
  String input;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the result here instead of stdout.")
  Path output;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
      description = "Namespace of documents without metadata.namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--proxy-image", paramLabel = "IMAGE",
      description = "Proxy image (default: the one meshctl install uses, minimesh/proxy:<version>).")
  String proxyImage;

  @Option(names = "--discovery-address", paramLabel = "HOST:PORT",
      defaultValue = Manifests.PILOT + "." + Manifests.NAMESPACE + ".svc:15010",
      description = "Pilot's address as pods see it (default: ${DEFAULT-VALUE}).")
  String discoveryAddress;

  /** Tests substitute a stand-in; the default is pilot's injector. */
  Supplier<TemplateInjector> injector = null;

  @Override
  public Integer call() {
    String text;
    try {
      text = input.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(input));
    } catch (IOException e) {
      throw new MeshctlException("cannot read " + input + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
    }
    TemplateInjector ti;
    if (injector != null) {
      ti = injector.get();
    } else {
      Manifests defaults = new Manifests(InstallValues.of("default"), Main.clientVersion());
      try {
        ti = new PilotInjector(proxyImage != null ? proxyImage : defaults.image("proxy"), "IfNotPresent", discoveryAddress, null);
      } catch (IllegalStateException | IllegalArgumentException e) {
        throw new MeshctlException(e.getMessage());
      }
    }
    String result;
    try {
      result = new KubeInjector(ti, namespace).inject(input.equals("-") ? "stdin" : input, text);
    } catch (IllegalArgumentException e) {
      throw new MeshctlException(e.getMessage());
    }
    if (output != null) {
      try {
        Files.writeString(output, result);
      } catch (IOException e) {
        throw new MeshctlException("cannot write " + output + ": " + e.getMessage());
      }
    } else {
      PrintWriter out = spec.commandLine().getOut();
      out.print(result);
      out.flush();
    }
    return 0;
  }
}
