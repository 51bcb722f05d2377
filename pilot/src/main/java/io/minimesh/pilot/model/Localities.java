package io.minimesh.pilot.model;

import java.util.Map;

/** Locality ("region/zone/subzone") of a workload or proxy that states none, read from its labels as Istio does. */
public final class Localities {
  /** Istio's istio-locality label ("region.zone.subzone"), else the Kubernetes topology labels; "" if none. */
  public static String fromLabels(Map<String, String> labels) {
    String l = labels.get("istio-locality");
    if (l != null && !l.isEmpty()) return l.replace('.', '/');
    String region = labels.getOrDefault("topology.kubernetes.io/region", "");
    String zone = labels.getOrDefault("topology.kubernetes.io/zone", "");
    String sub = labels.getOrDefault("topology.istio.io/subzone", "");
    if (region.isEmpty() && zone.isEmpty()) return "";
    return region + (zone.isEmpty() && sub.isEmpty() ? "" : "/" + zone) + (sub.isEmpty() ? "" : "/" + sub);
  }

  private Localities() {}
}
