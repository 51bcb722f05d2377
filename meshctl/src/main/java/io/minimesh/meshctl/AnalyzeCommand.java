package io.minimesh.meshctl;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.minimesh.meshctl.internal.analyze.Analyzer;
import io.minimesh.pilot.validation.ValidationMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "analyze", mixinStandardHelpOptions = true,
    description = {
      "Find problems in Istio configuration: pilot's validation messages (MM0xxx, MM02xx), references to hosts,",
      "gateways and subsets that do not exist (MM01xx), and namespaces with workloads but no injection label (MM0301).",
      "Analyzes files (-f, or FILES; directories are read for *.yaml, *.yml, *.json; - is stdin) and, when a",
      "Kubernetes configuration is present, the cluster (files override its objects). Exit code 79 when an",
      "Error is found, as istioctl."
    })
final class AnalyzeCommand implements Callable<Integer> {
  static final int ISSUES_FOUND = 79;

  @Spec CommandSpec spec;

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE", description = "Files or directories to analyze; repeatable.")
  List<String> files = new ArrayList<>();

  @Parameters(paramLabel = "FILES", arity = "0..*", description = "More files or directories.")
  List<String> positional = new ArrayList<>();

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace to analyze (default: default).")
  String namespace;

  @Option(names = {"-A", "--all-namespaces"}, description = "Analyze every namespace.")
  boolean all;

  @Option(names = "--use-kube", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Also analyze the cluster of the Kubernetes configuration, when there is one (default: ${DEFAULT-VALUE}).")
  boolean useKube;

  @Override
  public Integer call() {
    Main root = Main.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    List<String> inputs = new ArrayList<>(files);
    inputs.addAll(positional);
    String ns = all ? null : namespace == null ? "default" : namespace;
    Analyzer analyzer = new Analyzer();
    for (String in : inputs) read(analyzer, in);
    boolean cluster = useKube && root.kube.configured(root);
    if (!cluster && inputs.isEmpty()) {
      throw new MeshctlException("nothing to analyze: give files (-f FILE) or a Kubernetes configuration (--kubeconfig)");
    }
    if (cluster) {
      try (KubernetesClient client = root.kube.client(root)) {
        analyzer.addCluster(client, ns);
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        throw new MeshctlException("cannot read the cluster: " + e.getMessage() + " (use --use-kube=false to analyze files only)");
      }
    }
    List<ValidationMessage> messages = analyzer.analyze(ns);
    String scope = ns == null ? "all namespaces" : "namespace: " + ns;
    if (messages.isEmpty()) {
      out.println("✔ No validation issues found when analyzing " + scope + ".");
      out.flush();
      return 0;
    }
    for (ValidationMessage m : messages) out.println(Analyzer.format(m));
    out.flush();
    boolean errors = messages.stream().anyMatch(m -> m.level() == ValidationMessage.Level.Error);
    if (errors) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("Error: Analyzers found issues when analyzing " + scope + ".");
      err.println("See https://istio.io/v1.24/docs/reference/config/analysis for more information about causes and resolutions.");
      err.flush();
      return ISSUES_FOUND;
    }
    return 0;
  }

  private static void read(Analyzer analyzer, String in) {
    if (in.equals("-")) {
      try {
        analyzer.addFile("stdin", new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new MeshctlException("cannot read stdin: " + e.getMessage());
      }
      return;
    }
    Path p = Path.of(in);
    if (Files.isDirectory(p)) {
      try (Stream<Path> s = Files.walk(p)) {
        for (Path f : s.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList()) {
          analyzer.addFile(f.toString(), Files.readString(f));
        }
      } catch (IOException e) {
        throw new MeshctlException("cannot read " + p + ": " + e.getMessage());
      }
      return;
    }
    try {
      analyzer.addFile(in, Files.readString(p));
    } catch (IOException e) {
      throw new MeshctlException("cannot read " + p + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
    }
  }
}
