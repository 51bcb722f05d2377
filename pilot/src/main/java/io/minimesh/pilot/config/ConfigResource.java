package io.minimesh.pilot.config;

import io.fabric8.kubernetes.client.CustomResource;
import java.util.Map;

/**
 * One parsed Istio resource with where it came from. The wrapped Fabric8 object is never mutated after
 * the source hands it over (sources build a fresh object per parse).
 */
public record ConfigResource(ConfigKey key, CustomResource<?, ?> resource, Origin origin, long order) {
  public String kind() {
    return key.kind();
  }

  public String namespace() {
    return key.namespace();
  }

  public String name() {
    return key.name();
  }

  public <T> T spec(Class<T> type) {
    return type.cast(resource.getSpec());
  }

  public Map<String, String> labels() {
    Map<String, String> l = resource.getMetadata().getLabels();
    return l == null ? Map.of() : l;
  }
}
