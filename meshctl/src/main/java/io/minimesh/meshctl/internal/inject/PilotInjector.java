package io.minimesh.meshctl.internal.inject;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Pilot's sidecar injector ({@code io.minimesh.pilot.inject.Injector}), the one the webhook runs, so offline and
 * admission-time injection are the same code. Bound by name because the injector arrives in pilot on its own
 * schedule: a build without it fails with a clear message instead of not compiling.
 */
public final class PilotInjector implements TemplateInjector {
  private static final String INJECTOR = "io.minimesh.pilot.inject.Injector";
  private static final String CONFIG = "io.minimesh.pilot.inject.InjectionConfig";

  private final Object config;
  private final Method inject;

  /** Settings the installation gives the webhook: proxy image, pull policy, pilot's address, log level. */
  public PilotInjector(String proxyImage, String pullPolicy, String discoveryAddress, String logLevel) {
    try {
      Class<?> cfg = Class.forName(CONFIG);
      Object b = cfg.getMethod("builder").invoke(null);
      Class<?> bt = b.getClass();
      b = bt.getMethod("proxyImage", String.class).invoke(b, proxyImage);
      b = bt.getMethod("initImage", String.class).invoke(b, proxyImage);
      b = bt.getMethod("imagePullPolicy", String.class).invoke(b, pullPolicy);
      b = bt.getMethod("discoveryAddress", String.class).invoke(b, discoveryAddress);
      if (logLevel != null && !logLevel.isEmpty()) b = bt.getMethod("logLevel", String.class).invoke(b, logLevel);
      this.config = bt.getMethod("build").invoke(b);
      this.inject = Class.forName(INJECTOR).getMethod("inject", PodTemplateSpec.class, String.class, cfg);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new IllegalStateException("this build has no sidecar injector (" + e.getMessage() + ")");
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException(e.getCause().getMessage(), e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public PodTemplateSpec inject(PodTemplateSpec template, String namespace) {
    try {
      return (PodTemplateSpec) inject.invoke(null, template, namespace, config);
    } catch (InvocationTargetException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) throw r;
      throw new IllegalStateException(c);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
