package io.minimesh.api.istio;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Istio {@code ServiceEntry} ({@code networking.istio.io}). Typed against the storage version v1; v1alpha3 and
 * v1beta1 documents have the same schema and parse into this class too ({@link IstioYaml}).
 */
@Group(IstioKinds.GROUP)
@Version(value = "v1", storage = true, served = true)
@Kind("ServiceEntry")
@Plural("serviceentries")
public class ServiceEntry extends CustomResource<ServiceEntrySpec, IstioStatus> implements Namespaced {
  @Override
  protected ServiceEntrySpec initSpec() {
    return new ServiceEntrySpec();
  }
}
