package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.minimesh.meshctl.internal.inject.TemplateInjector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KubeInjectCommandTest {
  private static final String INPUT = "src/test/resources/kube-inject/workloads.yaml";

  @TempDir Path tmp;

  /** Stands in for pilot's injector: records the namespace, adds a proxy unless the template opts out. */
  static final class StubInjector implements TemplateInjector {
    final List<String> calls = new ArrayList<>();

    @Override
    public PodTemplateSpec inject(PodTemplateSpec t, String namespace) {
      calls.add(namespace);
      var ann = t.getMetadata() == null || t.getMetadata().getAnnotations() == null ? Map.<String, String>of() : t.getMetadata().getAnnotations();
      if ("false".equals(ann.get("sidecar.istio.io/inject"))) return t;
      return new PodTemplateSpecBuilder(t).editOrNewMetadata().addToAnnotations("sidecar.minimesh.io/status", "injected").endMetadata()
          .editSpec().addToContainers(new ContainerBuilder().withName("minimesh-proxy").withImage("minimesh/proxy:test").build()).endSpec()
          .build();
    }
  }

  private static Consumer<CommandLine> with(TemplateInjector i) {
    return cl -> ((KubeInjectCommand) cl.getSubcommands().get("kube-inject").getCommand()).injector = () -> i;
  }

  @Test
  void injectsEveryPodTemplateAndPassesOtherDocumentsThrough() {
    StubInjector stub = new StubInjector();
    Cli.Result r = Cli.run(Map.of(), with(stub), "kube-inject", "-f", INPUT);
    assertThat(r.exitCode()).as(r.err()).isZero();
    Golden.assertMatches("kube-inject/workloads-stub.yaml", r.out());
    // Deployment in the default namespace, CronJob in its own, the opted-out Pod asked too (the injector decides).
    assertThat(stub.calls).containsExactly("default", "jobs", "default");
    // Service and ServiceAccount are copied byte for byte, comments included.
    assertThat(r.out()).startsWith("# httpbin, as in Istio's samples\napiVersion: v1\nkind: ServiceAccount\n");
    assertThat(r.out()).contains("""
        spec:
          ports:
          - name: http
            port: 8000
            targetPort: 8080
          selector:
            app: httpbin
        """);
  }

  @Test
  void writesToAFileAndNamesBadInput() throws Exception {
    Path out = tmp.resolve("out.yaml");
    Cli.Result r = Cli.run(Map.of(), with(new StubInjector()), "kube-inject", "-f", INPUT, "-o", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(Files.readString(out)).contains("name: minimesh-proxy");

    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n");
    Cli.Result e = Cli.run(Map.of(), with(new StubInjector()), "kube-inject", "-f", bad.toString());
    assertThat(e.exitCode()).isEqualTo(1);
    assertThat(e.err()).isEqualTo("Error: " + bad + ":4: Deployment web has no pod template (spec.template)\n");
  }

  /** With pilot's real injector: the proxy and init container, every time the same. */
  @Test
  void pilotsInjectorAddsTheProxy() throws Exception {
    Cli.Result r = Cli.run("kube-inject", "-f", INPUT);
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<String> docs = List.of(r.out().split("(?m)^---\\n"));
    var deployment = Serialization.unmarshal(docs.get(2), io.fabric8.kubernetes.api.model.apps.Deployment.class);
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers()).extracting(c -> c.getName()).contains("httpbin").hasSizeGreaterThan(1);
    assertThat(pod.getInitContainers()).isNotEmpty();
    // The opted-out Pod is unchanged, and injecting the output again changes nothing.
    assertThat(docs.get(4)).doesNotContain("minimesh-proxy");
    // Strings that look like numbers stay strings (annotations and args must be strings for the API server).
    assertThat(r.out()).contains("prometheus.io/port: \"15020\"").doesNotContain("- 15001\n");
    Path once = tmp.resolve("once.yaml");
    Files.writeString(once, r.out());
    assertThat(Cli.run("kube-inject", "-f", once.toString()).out()).isEqualTo(r.out());
  }
}
