package io.minimesh.api.minimesh;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import io.minimesh.api.istio.IstioStatus;

/**
 * Minimesh {@code LocalRateLimit} ({@code networking.minimesh.io/v1alpha1}): a token bucket enforced by
 * each selected proxy on its own (Envoy's local rate limit), for a whole listener, a virtual host or a
 * route. Istio's networking API has no field for it (Istio users write an EnvoyFilter); this small
 * resource is what pilot translates instead. See docs/pilot.md.
 */
@Group(MinimeshKinds.GROUP)
@Version(value = "v1alpha1", storage = true, served = true)
@Kind("LocalRateLimit")
@Plural("localratelimits")
public class LocalRateLimit extends CustomResource<LocalRateLimitSpec, IstioStatus> implements Namespaced {
  @Override
  protected LocalRateLimitSpec initSpec() {
    return new LocalRateLimitSpec();
  }
}
