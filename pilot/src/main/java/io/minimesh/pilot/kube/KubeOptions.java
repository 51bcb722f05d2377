package io.minimesh.pilot.kube;

import java.util.Map;
import java.util.Set;

/**
 * What pilot watches on Kubernetes.
 *
 * @param namespaces namespaces whose resources are read; empty means all
 * @param namespaceSelector labels a namespace must carry to be read (Istio's discoverySelectors); empty
 *     means no constraint
 * @param clusterDomain DNS suffix of Services ({@code <svc>.<ns>.svc.<domain>})
 * @param systemNamespace where pilot runs (the Lease, the webhook Service)
 */
public record KubeOptions(
    Set<String> namespaces, Map<String, String> namespaceSelector, String clusterDomain, String systemNamespace) {
  public KubeOptions {
    namespaces = Set.copyOf(namespaces);
    namespaceSelector = Map.copyOf(namespaceSelector);
    if (clusterDomain == null || clusterDomain.isBlank()) clusterDomain = "cluster.local";
    if (systemNamespace == null || systemNamespace.isBlank()) systemNamespace = "minimesh-system";
  }

  public static KubeOptions defaults() {
    return new KubeOptions(Set.of(), Map.of(), "cluster.local", "minimesh-system");
  }

  boolean namespaceWanted(String ns, Map<String, String> nsLabels) {
    if (!namespaces.isEmpty() && !namespaces.contains(ns)) return false;
    if (namespaceSelector.isEmpty()) return true;
    if (nsLabels == null) return false;
    for (var e : namespaceSelector.entrySet()) {
      if (!e.getValue().equals(nsLabels.get(e.getKey()))) return false;
    }
    return true;
  }
}
