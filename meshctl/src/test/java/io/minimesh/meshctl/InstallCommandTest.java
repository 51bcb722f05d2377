package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.minimesh.meshctl.internal.install.InstallValues;
import io.minimesh.meshctl.internal.install.Manifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EnableKubernetesMockClient(crud = true)
class InstallCommandTest {
  KubernetesClient client;

  @TempDir Path tmp;

  private List<HasMetadata> expected(String profile) {
    return new Manifests(InstallValues.of(profile), Main.clientVersion()).objects();
  }

  private Map<String, String> versions(List<HasMetadata> objects) {
    Map<String, String> v = new LinkedHashMap<>();
    for (HasMetadata o : objects) {
      HasMetadata live = client.resource(o).get();
      v.put(o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(),
          live == null ? null : live.getMetadata().getResourceVersion() + "@" + live.getMetadata().getGeneration());
    }
    return v;
  }

  @Test
  void installCreatesEveryObjectWaitsForRolloutAndASecondRunChangesNothing() throws Exception {
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      kube.startController();
      Cli.Result r = kube.run("install", "-y", "--readiness-poll", "20ms");
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains("✔ Minimesh core installed", "✔ Pilot installed", "✔ Ingress gateways installed",
          "✔ Installation complete");
      kube.stopController();

      List<HasMetadata> objects = expected("default");
      Map<String, String> first = versions(objects);
      assertThat(first).doesNotContainValue(null);
      assertThat(first.keySet()).contains(
          "Namespace null/minimesh-system",
          "CustomResourceDefinition null/virtualservices.networking.istio.io",
          "ServiceAccount minimesh-system/minimesh-pilot",
          "ClusterRole null/minimesh-pilot",
          "Deployment minimesh-system/minimesh-pilot",
          "Service minimesh-system/minimesh-pilot",
          "MutatingWebhookConfiguration null/minimesh-sidecar-injector",
          "ValidatingWebhookConfiguration null/minimesh-validator",
          "Deployment minimesh-system/minimesh-ingressgateway",
          "Service minimesh-system/minimesh-ingressgateway");

      Cli.Result again = kube.run("install", "-y", "--readiness-poll", "20ms");
      assertThat(again.exitCode()).as(again.err()).isZero();
      assertThat(again.out()).contains("✔ Minimesh core installed (unchanged)", "✔ Ingress gateways installed (unchanged)");
      assertThat(versions(objects)).isEqualTo(first);

      // The gateway Service exposes the NodePorts kind maps to host ports.
      var svc = client.services().inNamespace("minimesh-system").withName("minimesh-ingressgateway").get();
      assertThat(svc.getSpec().getType()).isEqualTo("NodePort");
      assertThat(svc.getSpec().getPorts()).extracting(p -> p.getPort() + ">" + p.getTargetPort().getIntVal() + "@" + p.getNodePort())
          .contains("80>8080@30000", "443>8443@30005");
      var pilotSvc = client.services().inNamespace("minimesh-system").withName("minimesh-pilot").get();
      assertThat(pilotSvc.getSpec().getPorts()).extracting(p -> p.getPort() + ">" + p.getTargetPort().getIntVal())
          .containsExactly("15010>15010", "15012>15012", "15014>15014", "443>15017");
    }
  }

  @Test
  void changedOptionsUpdateInPlaceAndAccessLogsFollowTheProfile() throws Exception {
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      kube.startController();
      assertThat(kube.run("install", "-y", "--readiness-poll", "20ms").exitCode()).isZero();
      assertThat(client.configMaps().inNamespace("minimesh-system").withName("minimesh").get().getData().get("mesh"))
          .contains("accessLogFile: \"\"");
      Cli.Result r = kube.run("install", "-y", "--readiness-poll", "20ms", "--profile", "demo", "--set", "values.global.hub=localhost:5000");
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(client.configMaps().inNamespace("minimesh-system").withName("minimesh").get().getData().get("mesh"))
          .contains("accessLogFile: /dev/stdout");
      Deployment gw = client.apps().deployments().inNamespace("minimesh-system").withName("minimesh-ingressgateway").get();
      assertThat(gw.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).startsWith("localhost:5000/proxy:");
      assertThat(client.services().inNamespace("minimesh-system").withName("minimesh-ingressgateway").get().getSpec().getPorts())
          .extracting(p -> p.getPort() + "@" + p.getNodePort()).contains("31400@31400");
    }
  }

  @Test
  void extraGatewaysFromAnIstioOperatorFileBesideOrInsteadOfTheDefault() throws Exception {
    Path overlay = tmp.resolve("gateways.yaml");
    Files.writeString(overlay, """
        apiVersion: install.istio.io/v1alpha1
        kind: IstioOperator
        spec:
          components:
            ingressGateways:
              - name: minimesh-ingressgateway
                enabled: false
              - name: partner-gateway
                namespace: partners
                enabled: true
                label:
                  istio: partner-gateway
                k8s:
                  service:
                    type: ClusterIP
                    ports:
                      - name: http
                        port: 80
                        targetPort: 8080
        """);
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      kube.startController();
      Cli.Result r = kube.run("install", "-y", "--readiness-poll", "20ms", "-f", overlay.toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(client.apps().deployments().inNamespace("minimesh-system").withName("minimesh-ingressgateway").get()).isNull();
      Deployment gw = client.apps().deployments().inNamespace("partners").withName("partner-gateway").get();
      assertThat(gw.getSpec().getSelector().getMatchLabels()).isEqualTo(Map.of("istio", "partner-gateway"));
      assertThat(gw.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
          .containsSubsequence("proxy", "router", "--port-map", "80:8080");
      assertThat(client.namespaces().withName("partners").get()).isNotNull();

      // uninstall finds the extra gateway by its label.
      Cli.Result u = kube.run("uninstall", "-y");
      assertThat(u.exitCode()).as(u.err()).isZero();
      assertThat(client.apps().deployments().inAnyNamespace().list().getItems()).isEmpty();
    }
  }

  @Test
  void uninstallRemovesEverythingButTheCrdsUnlessPurged() throws Exception {
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      kube.startController();
      assertThat(kube.run("install", "-y", "--readiness-poll", "20ms").exitCode()).isZero();
      kube.stopController();
      Cli.Result r = kube.run("uninstall", "-y");
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains("Removed Deployment minimesh-system/minimesh-pilot.", "✔ Uninstall complete");
      for (HasMetadata o : expected("default")) {
        boolean crd = o.getKind().equals("CustomResourceDefinition");
        assertThat(client.resource(o).get()).as(o.getKind() + " " + o.getMetadata().getName()).matches(l -> crd == (l != null));
      }
      Cli.Result purge = kube.run("uninstall", "-y", "--purge");
      assertThat(purge.exitCode()).as(purge.err()).isZero();
      assertThat(client.apiextensions().v1().customResourceDefinitions().list().getItems()).isEmpty();
    }
  }

  @Test
  void verifyInstallReportsMissingAndUnreadyObjects() throws Exception {
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      Cli.Result none = kube.run("verify-install");
      assertThat(none.exitCode()).isEqualTo(1);
      assertThat(none.out()).contains("✘ Deployment: minimesh-pilot.minimesh-system not found");
      assertThat(none.err()).contains("Error: Minimesh installation is incomplete");

      kube.startController();
      assertThat(kube.run("install", "-y", "--readiness-poll", "20ms").exitCode()).isZero();
      kube.stopController();
      Cli.Result ok = kube.run("verify-install");
      assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
      assertThat(ok.out()).contains("✔ Deployment: minimesh-pilot.minimesh-system checked successfully",
          "✔ Minimesh is installed and verified successfully");
    }
  }

  @Test
  void installTimesOutWhenARolloutNeverBecomesReady() throws Exception {
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      Cli.Result r = kube.run("install", "-y", "--readiness-poll", "10ms", "--readiness-timeout", "50ms");
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.out()).contains("- Processing resources for Pilot. Waiting for Deployment/minimesh-system/minimesh-pilot",
          "✘ Pilot encountered an error: timed out");
      assertThat(r.err()).contains("Error: installation incomplete: Pilot did not become ready");
    }
  }

  @Test
  void dryRunChangesNothing() throws Exception {
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      Cli.Result r = kube.run("install", "--dry-run", "--profile", "minimal");
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains("- Would apply Deployment minimesh-system/minimesh-pilot", "Dry run complete")
          .doesNotContain("ingressgateway");
      assertThat(client.namespaces().list().getItems()).isEmpty();
    }
  }

  @Test
  void loadImagesRunsKindOnAKindContextAndFailsClearlyWithoutIt() throws Exception {
    Path bin = tmp.resolve("bin");
    Files.createDirectories(bin);
    Path log = tmp.resolve("kind.log");
    Path kind = bin.resolve("kind");
    Files.writeString(kind, "#!/bin/sh\necho \"$@\" >> " + log + "\n");
    kind.toFile().setExecutable(true);
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      kube.startController();
      Cli.Result r = kube.run(Map.of("PATH", bin.toString()), "install", "-y", "--readiness-poll", "20ms", "--load-images",
          "--set", "values.global.tag=dev");
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(Files.readString(log).trim()).isEqualTo("load docker-image minimesh/pilot:dev minimesh/proxy:dev --name minimesh");
      assertThat(r.out()).contains("✔ Images loaded into kind cluster \"minimesh\"");

      Cli.Result missing = kube.run(Map.of("PATH", tmp.resolve("empty").toString()), "install", "-y", "--load-images");
      assertThat(missing.exitCode()).isEqualTo(1);
      assertThat(missing.err()).contains("Error: kind not found on PATH");
    }
    try (MockKube other = new MockKube(client, "prod-cluster")) {
      Cli.Result r = other.run("install", "-y", "--load-images");
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.err()).contains("context \"prod-cluster\" is not a kind context");
    }
  }

  @Test
  void badSettingsNameTheProblem() {
    Cli.Result r = Cli.run("manifest", "generate", "--profile", "huge");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("unknown profile \"huge\" (known: default, demo, minimal)");
    Cli.Result s = Cli.run("manifest", "generate", "--set", "values.global.hub");
    assertThat(s.err()).contains("--set values.global.hub: want key=value");
  }
}
