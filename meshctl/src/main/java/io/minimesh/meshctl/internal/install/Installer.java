package io.minimesh.meshctl.internal.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Applies, checks and removes an installation on a cluster. Apply is server-side apply (field manager
 * {@code meshctl}, conflicts forced), skipped when the live object already holds every desired field, so a
 * second install sends nothing and changes nothing.
 */
public final class Installer {
  public static final String FIELD_MANAGER = "meshctl";
  private static final ObjectMapper JSON = new ObjectMapper();

  public enum Outcome {
    created,
    configured,
    unchanged
  }

  public record Applied(HasMetadata object, Outcome outcome) {}

  /** Waits between readiness polls; tests substitute one that advances a fake clock. */
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private final KubernetesClient client;

  public Installer(KubernetesClient client) {
    this.client = client;
  }

  public Applied apply(HasMetadata desired) {
    HasMetadata live;
    try {
      live = client.resource(desired).get();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException("cannot read " + describe(desired) + ": " + reason(e), e);
    }
    if (live != null && contains(tree(live), tree(desired))) return new Applied(live, Outcome.unchanged);
    HasMetadata result;
    try {
      result = client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    } catch (KubernetesClientException e) {
      // 415: an API server without server-side apply (Fabric8's mock server); 404 there for a new object.
      if (e.getCode() != 415 && !(e.getCode() == 404 && live == null)) {
        throw new IllegalStateException("cannot apply " + describe(desired) + ": " + reason(e), e);
      }
      result = fallback(desired, live);
    }
    return new Applied(result, live == null ? Outcome.created : Outcome.configured);
  }

  private HasMetadata fallback(HasMetadata desired, HasMetadata live) {
    try {
      if (live == null) return client.resource(desired).create();
      HasMetadata copy = Serialization.clone(desired);
      copy.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
      return client.resource(copy).update();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException("cannot apply " + describe(desired) + ": " + reason(e), e);
    }
  }

  /** Waits until every Deployment has all replicas updated and ready, or the deadline passes. */
  public void awaitReady(List<Deployment> deployments, Duration timeout, Duration poll, Sleeper sleeper,
      Consumer<String> waiting) throws InterruptedException {
    long polls = Math.max(1, timeout.toMillis() / Math.max(1, poll.toMillis()));
    List<String> pending = List.of();
    for (long i = 0; i <= polls; i++) {
      pending = new ArrayList<>();
      for (Deployment d : deployments) {
        Deployment live = client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName()).get();
        if (!ready(live)) pending.add("Deployment/" + d.getMetadata().getNamespace() + "/" + d.getMetadata().getName());
      }
      if (pending.isEmpty()) return;
      if (i == 0) waiting.accept(String.join(", ", pending));
      if (i < polls) sleeper.sleep(poll);
    }
    throw new IllegalStateException("timed out after " + timeout + " waiting for " + String.join(", ", pending)
        + " (check: kubectl -n " + Manifests.NAMESPACE + " get pods; kubectl describe)");
  }

  /** Rolled out: the controller saw the current generation and every wanted replica is updated and ready. */
  public static boolean ready(Deployment d) {
    if (d == null || d.getStatus() == null) return false;
    int want = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    var s = d.getStatus();
    long gen = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    long seen = s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
    int ready = s.getReadyReplicas() == null ? 0 : s.getReadyReplicas();
    int updated = s.getUpdatedReplicas() == null ? ready : s.getUpdatedReplicas();
    return seen >= gen && ready >= want && updated >= want;
  }

  public HasMetadata live(HasMetadata o) {
    return client.resource(o).get();
  }

  /** Deletes everything labelled as installed by meshctl (CRDs only with purge); returns what went. */
  public List<String> uninstall(boolean purge) {
    List<String> gone = new ArrayList<>();
    Map<String, String> sel = Map.of(Manifests.OWNER_LABEL, Manifests.OWNER);
    // Workloads first, so nothing is re-created or left without its RBAC while it still runs.
    deleteAll(gone, "Deployment", client.apps().deployments().inAnyNamespace().withLabels(sel).list().getItems());
    deleteAll(gone, "Service", client.services().inAnyNamespace().withLabels(sel).list().getItems());
    deleteAll(gone, "MutatingWebhookConfiguration", client.admissionRegistration().v1().mutatingWebhookConfigurations().withLabels(sel).list().getItems());
    deleteAll(gone, "ValidatingWebhookConfiguration", client.admissionRegistration().v1().validatingWebhookConfigurations().withLabels(sel).list().getItems());
    deleteAll(gone, "ConfigMap", client.configMaps().inAnyNamespace().withLabels(sel).list().getItems());
    deleteAll(gone, "RoleBinding", client.rbac().roleBindings().inAnyNamespace().withLabels(sel).list().getItems());
    deleteAll(gone, "Role", client.rbac().roles().inAnyNamespace().withLabels(sel).list().getItems());
    deleteAll(gone, "ClusterRoleBinding", client.rbac().clusterRoleBindings().withLabels(sel).list().getItems());
    deleteAll(gone, "ClusterRole", client.rbac().clusterRoles().withLabels(sel).list().getItems());
    deleteAll(gone, "ServiceAccount", client.serviceAccounts().inAnyNamespace().withLabels(sel).list().getItems());
    if (purge) {
      deleteAll(gone, "CustomResourceDefinition", client.apiextensions().v1().customResourceDefinitions().withLabels(sel).list().getItems());
    }
    var ns = client.namespaces().withName(Manifests.NAMESPACE).get();
    if (ns != null) deleteAll(gone, "Namespace", List.of(ns));
    return gone;
  }

  private void deleteAll(List<String> gone, String kind, List<? extends HasMetadata> items) {
    for (HasMetadata o : items) {
      client.resource(o).delete();
      gone.add(kind + " " + name(o));
    }
  }

  public static String name(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return (ns == null || ns.isEmpty() ? "" : ns + "/") + o.getMetadata().getName();
  }

  public static String describe(HasMetadata o) {
    return o.getKind() + " " + name(o);
  }

  static String reason(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) return e.getStatus().getMessage();
    return e.getMessage();
  }

  static JsonNode tree(HasMetadata o) {
    try {
      return JSON.readTree(Serialization.asJson(o));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * True when every field of {@code want} is in {@code have} with the same value (lists element by element).
   * What the server adds (defaults, status, managedFields, caBundle patched by pilot) does not count.
   */
  static boolean contains(JsonNode have, JsonNode want) {
    if (want.isObject()) {
      if (!have.isObject()) return false;
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        var e = it.next();
        JsonNode h = have.get(e.getKey());
        if (h == null) {
          if (e.getValue().isNull() || e.getValue().isEmpty() && e.getValue().isContainerNode()) continue;
          return false;
        }
        if (!contains(h, e.getValue())) return false;
      }
      return true;
    }
    if (want.isArray()) {
      if (!have.isArray() || have.size() != want.size()) return false;
      for (int i = 0; i < want.size(); i++) if (!contains(have.get(i), want.get(i))) return false;
      return true;
    }
    if (want.isNumber() && have.isNumber()) return want.decimalValue().compareTo(have.decimalValue()) == 0;
    return want.asText().equals(have.asText()) && want.isNull() == have.isNull();
  }
}
