package io.minimesh.meshctl.internal.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code meshctl kube-inject}: multi-document YAML in, the same documents out, with the pod template of every
 * workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, and Lists of them) injected.
 * Every other document is copied through byte for byte.
 */
public final class KubeInjector {
  private static final Pattern SEPARATOR = Pattern.compile("(?m)^---[ \\t]*(#.*)?$\\n?");
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TemplateInjector injector;
  private final String defaultNamespace;

  public KubeInjector(TemplateInjector injector, String defaultNamespace) {
    this.injector = injector;
    this.defaultNamespace = defaultNamespace;
  }

  public String inject(String source, String text) {
    List<String> out = new ArrayList<>();
    int line = 1;
    for (String doc : SEPARATOR.split(text, -1)) {
      int docLine = line;
      line += (int) doc.chars().filter(c -> c == '\n').count() + 1;
      if (doc.isBlank()) continue;
      JsonNode n;
      try {
        n = YAML.readTree(doc);
      } catch (IOException e) {
        throw new IllegalArgumentException(source + ":" + docLine + ": YAML syntax error: " + e.getMessage().split("\n")[0]);
      }
      if (n instanceof ObjectNode o && injectDoc(o, source + ":" + docLine)) {
        try {
          out.add(YAML.writeValueAsString(o));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      } else {
        out.add(doc.endsWith("\n") ? doc : doc + "\n");
      }
    }
    return String.join("---\n", out);
  }

  /** True when the document was a workload (and was changed in place). */
  private boolean injectDoc(ObjectNode o, String where) {
    String kind = o.path("kind").asText("");
    if (kind.equals("List") && o.path("items").isArray()) {
      boolean any = false;
      for (JsonNode item : o.path("items")) if (item instanceof ObjectNode io && injectDoc(io, where)) any = true;
      return any;
    }
    String ns = o.path("metadata").path("namespace").asText("");
    if (ns.isEmpty()) ns = defaultNamespace;
    ObjectNode holder;
    String field;
    switch (kind) {
      case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController" -> {
        holder = o.path("spec") instanceof ObjectNode s ? s : null;
        field = "template";
      }
      case "CronJob" -> {
        JsonNode s = o.path("spec").path("jobTemplate").path("spec");
        holder = s instanceof ObjectNode so ? so : null;
        field = "template";
      }
      case "Pod" -> {
        return injectPod(o, ns, where);
      }
      default -> {
        return false;
      }
    }
    if (holder == null || !holder.path(field).isObject()) {
      throw new IllegalArgumentException(where + ": " + kind + " " + o.path("metadata").path("name").asText("?")
          + " has no pod template (spec" + (kind.equals("CronJob") ? ".jobTemplate.spec" : "") + ".template)");
    }
    holder.set(field, injectTemplate(holder.get(field), ns, where));
    return true;
  }

  private boolean injectPod(ObjectNode pod, String ns, String where) {
    ObjectNode tpl = JSON.createObjectNode();
    tpl.set("metadata", pod.path("metadata").isObject() ? pod.get("metadata") : JSON.createObjectNode());
    tpl.set("spec", pod.path("spec").isObject() ? pod.get("spec") : JSON.createObjectNode());
    JsonNode injected = injectTemplate(tpl, ns, where);
    pod.set("metadata", injected.path("metadata"));
    pod.set("spec", injected.path("spec"));
    return true;
  }

  private JsonNode injectTemplate(JsonNode template, String ns, String where) {
    try {
      PodTemplateSpec t = Serialization.unmarshal(JSON.writeValueAsString(template), PodTemplateSpec.class);
      PodTemplateSpec injected = injector.inject(t, ns);
      return JSON.readTree(Serialization.asJson(injected));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }
}
