package io.minimesh.meshctl;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.minimesh.meshctl.internal.install.Manifests;
import java.util.Comparator;
import java.util.List;

/**
 * proxy-status / proxy-config on Kubernetes: with no {@code --xds-address} (nor $MESHCTL_XDS_ADDRESS) and a
 * Kubernetes configuration present, pilot is reached by port-forwarding to a ready pilot pod's 15010, and a
 * proxy's admin API by port-forwarding to its pod's 15000 (the admin API listens on the pod's localhost, which
 * is where the API server's port-forward connects). Port-forwards live until the command ends.
 */
final class KubeProxies {
  static final int XDS_PORT = 15010;
  static final int ADMIN_PORT = 15000;

  private KubeProxies() {}

  /** Kubernetes mode: no explicit pilot address, and a cluster configured. */
  static boolean active(Main root) {
    if (root.xdsAddress != null && !root.xdsAddress.isBlank()) return false;
    String env = root.env.get(Main.XDS_ADDRESS_ENV);
    if (env != null && !env.isBlank()) return false;
    return root.kube.configured(root);
  }

  /** localhost:PORT forwarded to a ready pilot pod's xDS port. */
  static String pilotAddress(Main root) {
    KubernetesClient client = root.kube.client(root);
    root.closeLater(client);
    Pod pod = pilotPod(client);
    return forward(root, client, pod, XDS_PORT);
  }

  /** localhost:PORT forwarded to the admin port of pod {@code NAME.NAMESPACE}. */
  static String adminAddress(Main root, String proxyId) {
    KubernetesClient client = root.kube.client(root);
    root.closeLater(client);
    Pod pod = pod(client, proxyId);
    return forward(root, client, pod, ADMIN_PORT);
  }

  /** The pilot pod to talk to: ready ones first, then by name (stable across runs). */
  static Pod pilotPod(KubernetesClient client) {
    List<Pod> pods = client.pods().inNamespace(Manifests.NAMESPACE).withLabel("app", Manifests.PILOT).list().getItems();
    return pods.stream()
        .filter(KubeProxies::running)
        .min(Comparator.comparing((Pod p) -> !ready(p)).thenComparing(p -> p.getMetadata().getName()))
        .orElseThrow(() -> new MeshctlException("no running pilot pod (label app=" + Manifests.PILOT + ") in namespace "
            + Manifests.NAMESPACE + ": is Minimesh installed? (meshctl install; meshctl verify-install)"));
  }

  /** The pod of proxy {@code NAME.NAMESPACE} (split at the last dot: namespaces have none). */
  static Pod pod(KubernetesClient client, String proxyId) {
    int dot = proxyId.lastIndexOf('.');
    String name = proxyId.substring(0, dot);
    String ns = proxyId.substring(dot + 1);
    Pod pod = client.pods().inNamespace(ns).withName(name).get();
    if (pod == null) {
      throw new MeshctlException("pod \"" + name + "\" not found in namespace \"" + ns + "\" (name a pod as <pod>[.<namespace>])");
    }
    if (!running(pod)) {
      throw new MeshctlException("pod \"" + name + "." + ns + "\" is " + pod.getStatus().getPhase() + ", not Running");
    }
    boolean hasProxy = pod.getSpec().getContainers().stream()
        .anyMatch(c -> c.getName().equals("istio-proxy") || c.getName().equals("minimesh-proxy"));
    if (!hasProxy) {
      throw new MeshctlException("pod \"" + name + "." + ns + "\" has no proxy container (istio-proxy or minimesh-proxy): is it injected?");
    }
    return pod;
  }

  static boolean running(Pod p) {
    return p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
  }

  static boolean ready(Pod p) {
    return p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  // Not testable against the mock server (it has no port-forward): kept to the one Fabric8 call.
  private static String forward(Main root, KubernetesClient client, Pod pod, int port) {
    LocalPortForward pf = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
        .portForward(port);
    root.closeLater(pf);
    return "127.0.0.1:" + pf.getLocalPort();
  }
}
