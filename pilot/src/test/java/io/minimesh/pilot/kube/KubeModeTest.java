package io.minimesh.pilot.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.minimesh.pilot.inject.InjectionConfig;
import io.minimesh.pilot.webhook.CaBundlePatcher;
import io.minimesh.pilot.webhook.WebhookCerts;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** pilot --kube's singleton duty: the elected replica writes the shared webhook CA into both configurations. */
@EnableKubernetesMockClient(crud = true)
class KubeModeTest {
  KubernetesClient client;

  @Test
  void leaderPatchesTheSharedCertificatesCaIntoBothWebhookConfigurations() throws Exception {
    client.resource(new MutatingWebhookConfigurationBuilder().withNewMetadata().withName(CaBundlePatcher.INJECTOR).endMetadata()
        .addNewWebhook().withName("sidecar-injector.minimesh.io").withNewClientConfig().withNewService()
        .withName("minimesh-pilot").withNamespace("minimesh-system").withPath("/inject").withPort(443).endService()
        .endClientConfig().withAdmissionReviewVersions("v1").withSideEffects("None").endWebhook().build()).create();
    client.resource(new ValidatingWebhookConfigurationBuilder().withNewMetadata().withName(CaBundlePatcher.VALIDATOR).endMetadata()
        .addNewWebhook().withName("validation.minimesh.io").withNewClientConfig().withNewService()
        .withName("minimesh-pilot").withNamespace("minimesh-system").withPath("/validate").withPort(443).endService()
        .endClientConfig().withAdmissionReviewVersions("v1").withSideEffects("None").endWebhook().build()).create();

    KubeOptions options = KubeOptions.defaults();
    KubeConfigSource source = new KubeConfigSource(client, options);
    KubeMode mode = new KubeMode(client, options);
    try {
      source.start(s -> {});
      mode.startWebhooks(new InetSocketAddress("127.0.0.1", 0), null, InjectionConfig.defaults(), source);
      var secret = client.secrets().inNamespace("minimesh-system").withName(WebhookCerts.SECRET_NAME).get();
      assertThat(secret).isNotNull();
      String ca = new String(Base64.getDecoder().decode(secret.getData().get("ca.crt")), StandardCharsets.UTF_8);
      String bundle = Base64.getEncoder().encodeToString(ca.getBytes(StandardCharsets.UTF_8));
      await().atMost(Duration.ofSeconds(20)).until(mode::isLeader);
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        assertThat(client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(CaBundlePatcher.INJECTOR).get()
            .getWebhooks().get(0).getClientConfig().getCaBundle()).isEqualTo(bundle);
        assertThat(client.admissionRegistration().v1().validatingWebhookConfigurations().withName(CaBundlePatcher.VALIDATOR).get()
            .getWebhooks().get(0).getClientConfig().getCaBundle()).isEqualTo(bundle);
      });
      // A second replica reuses the same certificate instead of making its own.
      WebhookCerts again = WebhookCerts.shared(client, "minimesh-system", WebhookCerts.serviceNames(KubeMode.SERVICE, "minimesh-system"));
      assertThat(again.caPem()).isEqualTo(ca);
      assertThat(new CaBundlePatcher(client, ca).patch()).isZero();
    } finally {
      source.close();
      mode.close();
    }
  }
}
