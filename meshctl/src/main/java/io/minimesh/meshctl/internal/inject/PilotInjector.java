package io.minimesh.meshctl.internal.inject;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.minimesh.pilot.inject.InjectionConfig;
import io.minimesh.pilot.inject.Injector;

/**
 * Pilot's sidecar injector ({@link Injector}), the one the webhook runs, so offline and admission-time
 * injection are the same code.
 */
public final class PilotInjector implements TemplateInjector {
  private final InjectionConfig config;

  /** Settings the installation gives the webhook: proxy image, pull policy, pilot's address, log level. */
  public PilotInjector(String proxyImage, String pullPolicy, String discoveryAddress, String logLevel) {
    InjectionConfig.Builder b = InjectionConfig.builder()
        .proxyImage(proxyImage)
        .initImage(proxyImage)
        .imagePullPolicy(pullPolicy)
        .discoveryAddress(discoveryAddress);
    if (logLevel != null && !logLevel.isEmpty()) b = b.logLevel(logLevel);
    try {
      this.config = b.build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  @Override
  public PodTemplateSpec inject(PodTemplateSpec template, String namespace) {
    return Injector.inject(template, namespace, config);
  }
}
