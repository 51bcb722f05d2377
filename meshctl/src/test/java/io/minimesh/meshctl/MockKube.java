package io.minimesh.meshctl;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine;

/** Points meshctl at Fabric8's mock server, and plays the Deployment controller (marks rollouts ready). */
final class MockKube extends Kube implements AutoCloseable {
  private final KubernetesClient mock;
  private final String context;
  private ScheduledExecutorService controller;

  MockKube(KubernetesClient mock, String context) {
    this.mock = mock;
    this.context = context;
  }

  @Override
  KubernetesClient client(Main root) {
    // Commands close their client; hand out a fresh one on the same server.
    return new KubernetesClientBuilder().withConfig(mock.getConfiguration()).build();
  }

  @Override
  boolean configured(Main root) {
    return true;
  }

  @Override
  String contextName(Main root, KubernetesClient client) {
    return context;
  }

  Consumer<CommandLine> install() {
    return cl -> ((Main) cl.getCommand()).kube = this;
  }

  Cli.Result run(String... args) {
    return Cli.run(Map.of("PATH", System.getenv().getOrDefault("PATH", "")), install(), args);
  }

  Cli.Result run(Map<String, String> env, String... args) {
    return Cli.run(env, install(), args);
  }

  /** Starts marking every Deployment rolled out, as the controller and kubelet would. */
  void startController() {
    controller = Executors.newSingleThreadScheduledExecutor();
    controller.scheduleWithFixedDelay(this::markReady, 0, 20, TimeUnit.MILLISECONDS);
  }

  void stopController() throws InterruptedException {
    controller.shutdownNow();
    controller.awaitTermination(10, TimeUnit.SECONDS);
  }

  void markReady() {
    for (Deployment d : mock.apps().deployments().inAnyNamespace().list().getItems()) {
      if (io.minimesh.meshctl.internal.install.Installer.ready(d)) continue;
      int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      long gen = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
      d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(gen).withReplicas(want).withReadyReplicas(want)
          .withUpdatedReplicas(want).withAvailableReplicas(want).build());
      mock.resource(d).updateStatus();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (controller != null) stopController();
  }
}
