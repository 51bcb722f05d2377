package io.minimesh.pilot.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the webhook CA into {@code clientConfig.caBundle} of every webhook of the
 * MutatingWebhookConfiguration {@value #INJECTOR} and the ValidatingWebhookConfiguration
 * {@value #VALIDATOR} (the names {@code meshctl install} uses). A leader-only duty; idempotent, so it
 * can run periodically to repair a re-applied manifest that dropped the bundle.
 */
public final class CaBundlePatcher {
  private static final Logger LOG = LoggerFactory.getLogger(CaBundlePatcher.class);
  public static final String INJECTOR = "minimesh-sidecar-injector";
  public static final String VALIDATOR = "minimesh-validator";

  private final KubernetesClient client;
  private final String caBundle;

  public CaBundlePatcher(KubernetesClient client, String caPem) {
    this.client = client;
    this.caBundle = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8));
  }

  /** Patches both configurations where needed; returns how many webhook entries changed. */
  public int patch() {
    int changed = 0;
    try {
      var m = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(INJECTOR);
      var mc = m.get();
      if (mc == null) {
        LOG.warn("MutatingWebhookConfiguration {} not found: sidecar injection is off until it exists", INJECTOR);
      } else if (mc.getWebhooks() != null && mc.getWebhooks().stream().anyMatch(w -> !Objects.equals(caBundle, w.getClientConfig().getCaBundle()))) {
        int n = (int) mc.getWebhooks().stream().filter(w -> !Objects.equals(caBundle, w.getClientConfig().getCaBundle())).count();
        m.edit(c -> {
          c.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(caBundle));
          return c;
        });
        changed += n;
      }
      var v = client.admissionRegistration().v1().validatingWebhookConfigurations().withName(VALIDATOR);
      var vc = v.get();
      if (vc == null) {
        LOG.warn("ValidatingWebhookConfiguration {} not found: config is not validated at admission", VALIDATOR);
      } else if (vc.getWebhooks() != null && vc.getWebhooks().stream().anyMatch(w -> !Objects.equals(caBundle, w.getClientConfig().getCaBundle()))) {
        int n = (int) vc.getWebhooks().stream().filter(w -> !Objects.equals(caBundle, w.getClientConfig().getCaBundle())).count();
        v.edit(c -> {
          c.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(caBundle));
          return c;
        });
        changed += n;
      }
      if (changed > 0) LOG.info("patched the CA bundle into {} webhook(s)", changed);
    } catch (KubernetesClientException e) {
      LOG.warn("cannot patch webhook CA bundles: {}", e.getMessage());
    }
    return changed;
  }
}
