package io.minimesh.meshctl.internal.inject;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;

/** Adds the sidecar to one pod template (pilot's injector, or a stand-in in tests). */
@FunctionalInterface
public interface TemplateInjector {
  /** A copy of {@code template} with the proxy added, or unchanged when the template opts out. */
  PodTemplateSpec inject(PodTemplateSpec template, String namespace);
}
