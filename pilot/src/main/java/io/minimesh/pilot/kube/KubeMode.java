package io.minimesh.pilot.kube;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.minimesh.pilot.inject.InjectionConfig;
import io.minimesh.pilot.webhook.AdmissionHandler;
import io.minimesh.pilot.webhook.CaBundlePatcher;
import io.minimesh.pilot.webhook.WebhookCerts;
import io.minimesh.pilot.webhook.WebhookServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes side of {@code pilot --kube} besides the config source: the API client, the admission
 * webhooks on 15017, and leader election for singleton duties (the CA bundle patch). Every replica serves
 * xDS and the webhooks; only the leader writes to the webhook configurations.
 */
public final class KubeMode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubeMode.class);
  /** The pilot Service name in the system namespace (what {@code meshctl install} creates). */
  public static final String SERVICE = "minimesh-pilot";

  private final KubernetesClient client;
  private final KubeOptions options;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "kube-leader");
    t.setDaemon(true);
    return t;
  });
  private WebhookServer webhook;
  private LeaderElection election;
  private ScheduledFuture<?> patching;

  public KubeMode(KubernetesClient client, KubeOptions options) {
    this.client = client;
    this.options = options;
  }

  /** A client from --kubeconfig/--context, else the usual discovery (in-cluster service account, ~/.kube/config). */
  public static KubernetesClient client(Path kubeconfig, String context) throws IOException {
    if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
      throw new IOException("cannot read --kubeconfig " + kubeconfig + ": no such readable file");
    }
    Config config = kubeconfig != null
        ? Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString())
        : Config.autoConfigure(context);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** True inside a pod: the kubelet sets KUBERNETES_SERVICE_HOST. */
  public static boolean inCluster() {
    String h = System.getenv("KUBERNETES_SERVICE_HOST");
    return h != null && !h.isBlank();
  }

  public KubeConfigSource configSource() {
    return new KubeConfigSource(client, options);
  }

  /**
   * Starts the HTTPS webhooks: the certificate from {@code certDir} when it holds tls.crt, else the shared
   * self-signed one; namespace labels come from the source's informer cache (or the API when not cached).
   */
  public WebhookServer startWebhooks(InetSocketAddress bind, Path certDir, InjectionConfig injection,
      KubeConfigSource source) throws IOException {
    WebhookCerts certs = certDir == null ? null : WebhookCerts.fromDir(certDir);
    if (certs == null) {
      certs = WebhookCerts.shared(client, options.systemNamespace(), WebhookCerts.serviceNames(SERVICE, options.systemNamespace()));
    }
    AdmissionHandler handler = new AdmissionHandler(injection, ns -> {
      Map<String, String> l = source.namespaceLabels(ns);
      if (l != null) return l;
      try {
        Namespace n = client.namespaces().withName(ns).get();
        return n == null || n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
      } catch (KubernetesClientException e) {
        return Map.of();
      }
    });
    webhook = new WebhookServer(bind, certs, handler).start();
    CaBundlePatcher patcher = new CaBundlePatcher(client, certs.caPem());
    election = new LeaderElection(client, options.systemNamespace(), LeaderElection.LEASE_NAME, identity(),
        Duration.ofSeconds(15), Clock.systemUTC(), new LeaderElection.Listener() {
          @Override
          public void startedLeading() {
            // Re-checked periodically: re-applying the install manifest clears caBundle.
            patching = timer.scheduleWithFixedDelay(patcher::patch, 0, 30, TimeUnit.SECONDS);
          }

          @Override
          public void stoppedLeading() {
            if (patching != null) patching.cancel(false);
          }
        });
    election.start(timer, Duration.ofSeconds(2));
    return webhook;
  }

  public boolean isLeader() {
    return election != null && election.isLeader();
  }

  private static String identity() {
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isBlank()) return pod;
    try {
      return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
    } catch (IOException e) {
      return "pilot-" + ProcessHandle.current().pid();
    }
  }

  @Override
  public void close() {
    if (election != null) election.close();
    timer.shutdownNow();
    if (webhook != null) webhook.close();
    client.close();
  }
}
