package io.minimesh.api.istio;

import io.fabric8.kubernetes.client.CustomResource;
import java.util.List;
import java.util.Map;

/** The Istio networking kinds Minimesh understands, and their API group/versions. */
public final class IstioKinds {
  public static final String GROUP = "networking.istio.io";
  /** Served versions, oldest first; all share one schema. */
  public static final List<String> VERSIONS = List.of("v1alpha3", "v1beta1", "v1");

  public static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS =
      Map.of(
          "Gateway", Gateway.class,
          "VirtualService", VirtualService.class,
          "DestinationRule", DestinationRule.class,
          "ServiceEntry", ServiceEntry.class,
          "WorkloadEntry", WorkloadEntry.class,
          "Sidecar", Sidecar.class);

  /** True when apiVersion is networking.istio.io/&lt;a served version&gt;. */
  public static boolean isServedApiVersion(String apiVersion) {
    if (apiVersion == null || !apiVersion.startsWith(GROUP + "/")) return false;
    return VERSIONS.contains(apiVersion.substring(GROUP.length() + 1));
  }

  private IstioKinds() {}
}
