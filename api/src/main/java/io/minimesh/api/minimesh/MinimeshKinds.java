package io.minimesh.api.minimesh;

import io.fabric8.kubernetes.client.CustomResource;
import java.util.Map;

/** Minimesh's own kinds (API group networking.minimesh.io), for what Istio's API cannot say. */
public final class MinimeshKinds {
  public static final String GROUP = "networking.minimesh.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  public static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS = Map.of("LocalRateLimit", LocalRateLimit.class);

  private MinimeshKinds() {}
}
