package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class AnalyzeCommandTest {
  private static final String DIR = "src/test/resources/analyze/";
  private static final Map<String, String> NO_KUBE = Map.of("HOME", "/nonexistent");

  KubernetesClient client;

  @Test
  void filesOfflineReportPilotsMessagesAndCrossResourceProblems() {
    Cli.Result r = Cli.run(NO_KUBE, c -> {}, "analyze", "-f", DIR + "bookinfo.yaml");
    assertThat(r.exitCode()).isEqualTo(79);
    assertThat(r.out()).isEqualTo("""
        Error [MM0203] (VirtualService default/broken src/test/resources/analyze/bookinfo.yaml:62) spec.http[0].timeout: invalid duration "5 seconds" (expected e.g. "1s", "500ms", "1m30s")
        Error [MM0205] (VirtualService default/broken src/test/resources/analyze/bookinfo.yaml:62) spec.http[0].route: weights must sum to 100, got 60
        Error [MM0101] (VirtualService default/reviews src/test/resources/analyze/bookinfo.yaml:45) referenced gateway not found: "bookinfo-gateway"
        Error [MM0102] (VirtualService default/reviews src/test/resources/analyze/bookinfo.yaml:45) referenced host not found: "ratings"
        Error [MM0103] (VirtualService default/reviews src/test/resources/analyze/bookinfo.yaml:45) referenced host+subset in destinationrule not found: "reviews+v2"
        Info [MM0301] (Namespace default) The namespace is not enabled for Minimesh injection. Run 'kubectl label namespace default minimesh-injection=enabled' to enable it, or 'kubectl label namespace default minimesh-injection=disabled' to explicitly mark it as not needing injection.
        """);
    assertThat(r.err()).startsWith("Error: Analyzers found issues when analyzing namespace: default.");
  }

  @Test
  void cleanFilesSaySo() {
    Cli.Result r = Cli.run(NO_KUBE, c -> {}, "analyze", DIR + "clean.yaml");
    assertThat(r.exitCode()).as(r.out()).isZero();
    assertThat(r.out()).isEqualTo("✔ No validation issues found when analyzing namespace: default.\n");
  }

  @Test
  void directoriesAreReadAndNoInputIsAnError() {
    Cli.Result r = Cli.run(NO_KUBE, c -> {}, "analyze", "-f", DIR);
    assertThat(r.exitCode()).isEqualTo(79);
    assertThat(r.out()).contains("bookinfo.yaml:45) referenced host not found: \"ratings\"");
    Cli.Result nothing = Cli.run(NO_KUBE, c -> {}, "analyze");
    assertThat(nothing.exitCode()).isEqualTo(1);
    assertThat(nothing.err()).contains("nothing to analyze");
  }

  @Test
  void clusterResourcesAreAnalyzedAndFilesOverrideThem() throws Exception {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
    client.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName("cart").withNamespace("shop").endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).endPort().endSpec().build()).create();
    client.apps().deployments().inNamespace("shop").resource(new DeploymentBuilder().withNewMetadata().withName("cart").withNamespace("shop").endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "cart").endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "cart").endMetadata()
        .withNewSpec().addNewContainer().withName("cart").withImage("cart").endContainer().endSpec().endTemplate().endSpec().build()).create();
    ResourceDefinitionContext vsCtx = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io").withVersion("v1")
        .withKind("VirtualService").withPlural("virtualservices").withNamespaced(true).build();
    GenericKubernetesResource vs = Serialization.unmarshal("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: cart, namespace: shop}
        spec:
          hosts: [cart]
          http:
            - route:
                - destination: {host: cart, subset: v1}
        """, GenericKubernetesResource.class);
    client.genericKubernetesResources(vsCtx).inNamespace("shop").resource(vs).create();

    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      Cli.Result r = kube.run("analyze", "-n", "shop");
      assertThat(r.exitCode()).isEqualTo(79);
      assertThat(r.out()).isEqualTo("""
          Error [MM0103] (VirtualService shop/cart) referenced host+subset in destinationrule not found: "cart+v1"
          Info [MM0301] (Namespace shop) The namespace is not enabled for Minimesh injection. Run 'kubectl label namespace shop minimesh-injection=enabled' to enable it, or 'kubectl label namespace shop minimesh-injection=disabled' to explicitly mark it as not needing injection.
          """);

      // Nothing of that in another namespace.
      Cli.Result other = kube.run("analyze", "-n", "default");
      assertThat(other.out()).isEqualTo("✔ No validation issues found when analyzing namespace: default.\n");

      // Label the namespace; a file adds the DestinationRule the VirtualService needs.
      client.namespaces().withName("shop").edit(n -> new NamespaceBuilder(n).editMetadata().addToLabels("istio-injection", "enabled").endMetadata().build());
      java.nio.file.Path dr = java.nio.file.Files.createTempFile("dr", ".yaml");
      java.nio.file.Files.writeString(dr, """
          apiVersion: networking.istio.io/v1
          kind: DestinationRule
          metadata: {name: cart, namespace: shop}
          spec:
            host: cart
            subsets: [{name: v1, labels: {version: v1}}]
          """);
      Cli.Result fixed = kube.run("analyze", "-A", "-f", dr.toString());
      assertThat(fixed.exitCode()).as(fixed.out()).isZero();
      assertThat(fixed.out()).isEqualTo("✔ No validation issues found when analyzing all namespaces.\n");
    }
  }
}
