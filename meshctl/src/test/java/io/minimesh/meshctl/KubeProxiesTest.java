package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pod resolution of proxy-status/proxy-config on Kubernetes (the port-forward itself needs a real API server). */
@EnableKubernetesMockClient(crud = true)
class KubeProxiesTest {
  KubernetesClient client;

  private Pod pod(String ns, String name, String phase, boolean ready, String container, Map<String, String> labels) {
    Pod p = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app").endContainer()
        .addNewContainer().withName(container).withImage("minimesh/proxy:test").endContainer().endSpec()
        .withNewStatus().withPhase(phase).addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus()
        .build();
    return client.resource(p).create();
  }

  @Test
  void pilotPodIsARunningOnePreferringReady() {
    assertThatThrownBy(() -> KubeProxies.pilotPod(client)).hasMessageContaining(
        "no running pilot pod (label app=minimesh-pilot) in namespace minimesh-system: is Minimesh installed?");
    pod("minimesh-system", "minimesh-pilot-a", "Pending", false, "discovery", Map.of("app", "minimesh-pilot"));
    pod("minimesh-system", "minimesh-pilot-b", "Running", false, "discovery", Map.of("app", "minimesh-pilot"));
    pod("minimesh-system", "minimesh-pilot-c", "Running", true, "discovery", Map.of("app", "minimesh-pilot"));
    pod("minimesh-system", "other", "Running", true, "discovery", Map.of("app", "other"));
    assertThat(KubeProxies.pilotPod(client).getMetadata().getName()).isEqualTo("minimesh-pilot-c");
  }

  @Test
  void proxyPodsAreNamedPodDotNamespace() {
    pod("shop", "cart-7d9f", "Running", true, "istio-proxy", Map.of());
    pod("shop", "legacy", "Running", true, "legacy", Map.of());
    pod("shop", "starting", "Pending", false, "minimesh-proxy", Map.of());
    assertThat(KubeProxies.pod(client, "cart-7d9f.shop").getMetadata().getNamespace()).isEqualTo("shop");
    assertThatThrownBy(() -> KubeProxies.pod(client, "cart-7d9f.default"))
        .hasMessage("pod \"cart-7d9f\" not found in namespace \"default\" (name a pod as <pod>[.<namespace>])");
    assertThatThrownBy(() -> KubeProxies.pod(client, "legacy.shop"))
        .hasMessage("pod \"legacy.shop\" has no proxy container (istio-proxy or minimesh-proxy): is it injected?");
    assertThatThrownBy(() -> KubeProxies.pod(client, "starting.shop")).hasMessage("pod \"starting.shop\" is Pending, not Running");
  }

  @Test
  void commandsUseKubernetesOnlyWithoutAnExplicitPilotAddress() throws Exception {
    try (MockKube kube = new MockKube(client, "kind-minimesh")) {
      Cli.Result ps = kube.run("proxy-status");
      assertThat(ps.exitCode()).isEqualTo(1);
      assertThat(ps.err()).contains("no running pilot pod");

      Cli.Result pc = kube.run("proxy-config", "clusters", "cart", "-n", "shop");
      assertThat(pc.exitCode()).isEqualTo(1);
      assertThat(pc.err()).isEqualTo("Error: pod \"cart\" not found in namespace \"shop\" (name a pod as <pod>[.<namespace>])\n");

      // An explicit address wins over the cluster: nothing listens there, and the error says so (not "no pilot pod").
      Cli.Result direct = kube.run(Map.of(Main.XDS_ADDRESS_ENV, "127.0.0.1:1"), "proxy-status");
      assertThat(direct.exitCode()).isEqualTo(1);
      assertThat(direct.err()).doesNotContain("pilot pod");
    }
  }
}
