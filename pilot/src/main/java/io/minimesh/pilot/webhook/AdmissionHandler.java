package io.minimesh.pilot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import io.minimesh.pilot.config.ConfigParser;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.inject.Decision;
import io.minimesh.pilot.inject.InjectionConfig;
import io.minimesh.pilot.inject.InjectionException;
import io.minimesh.pilot.inject.Injector;
import io.minimesh.pilot.validation.ValidationMessage;
import io.minimesh.pilot.validation.Validator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AdmissionReview in, AdmissionReview out: {@code /inject} answers with a JSONPatch adding the proxy,
 * {@code /validate} refuses Istio resources that directory mode would reject, with the same messages.
 * Pure apart from the namespace-label lookup; the HTTPS server is {@link WebhookServer}.
 */
public final class AdmissionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KubernetesSerialization K8S = new KubernetesSerialization();
  private static final tools.jackson.databind.ObjectMapper K8S_JSON = new tools.jackson.databind.ObjectMapper();

  /** An HTTP answer: status code and JSON (or text for 4xx) body. */
  public record Reply(int status, String contentType, String body) {
    static Reply json(String body) {
      return new Reply(200, "application/json", body);
    }

    static Reply error(int status, String text) {
      return new Reply(status, "text/plain; charset=utf-8", text + "\n");
    }
  }

  private final InjectionConfig injection;
  private final Function<String, Map<String, String>> namespaceLabels;

  /** {@code namespaceLabels} gives a namespace's labels (null when unknown). */
  public AdmissionHandler(InjectionConfig injection, Function<String, Map<String, String>> namespaceLabels) {
    this.injection = injection;
    this.namespaceLabels = namespaceLabels;
  }

  public Reply handle(String path, byte[] body) {
    JsonNode review;
    try {
      review = JSON.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return Reply.error(400, "body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return Reply.error(400, "body is not JSON: " + e.getMessage());
    }
    if (review == null || !review.isObject() || !"AdmissionReview".equals(review.path("kind").asText())) {
      return Reply.error(400, "expected an AdmissionReview (kind: AdmissionReview)");
    }
    JsonNode request = review.get("request");
    if (request == null || !request.isObject() || !request.path("uid").isTextual()) {
      return Reply.error(400, "AdmissionReview.request.uid is required");
    }
    String apiVersion = review.path("apiVersion").asText("admission.k8s.io/v1");
    ObjectNode response = switch (path) {
      case "/inject" -> inject(request);
      case "/validate" -> validate(request);
      default -> null;
    };
    if (response == null) return Reply.error(404, "no webhook at " + path + " (use /inject or /validate)");
    response.put("uid", request.get("uid").asText());
    ObjectNode out = JSON.createObjectNode();
    out.put("apiVersion", apiVersion);
    out.put("kind", "AdmissionReview");
    out.set("response", response);
    return Reply.json(out.toString());
  }

  private ObjectNode inject(JsonNode request) {
    ObjectNode resp = JSON.createObjectNode();
    JsonNode object = request.get("object");
    String op = request.path("operation").asText("CREATE");
    if (!"Pod".equals(request.path("kind").path("kind").asText()) || object == null || !object.isObject() || !op.equals("CREATE")) {
      return resp.put("allowed", true); // not ours to change
    }
    String namespace = request.path("namespace").asText("");
    if (namespace.isEmpty()) namespace = object.path("metadata").path("namespace").asText("default");
    try {
      String original = object.toString();
      Pod pod = K8S.unmarshal(original, Pod.class);
      Map<String, String> nsLabels = namespaceLabels.apply(namespace);
      Decision d = Injector.decide(pod.getMetadata(), pod.getSpec(), namespace, nsLabels == null ? Map.of() : nsLabels, Injector.Policy.WEBHOOK);
      String name = pod.getMetadata() == null ? "?" : pod.getMetadata().getName() != null ? pod.getMetadata().getName() : pod.getMetadata().getGenerateName() + "*";
      LOG.info("inject {}/{}: {} ({})", namespace, name, d.inject() ? "injected" : "skipped", d.reason());
      resp.put("allowed", true);
      if (!d.inject()) return resp;
      Pod injected = Injector.inject(pod, namespace, nsLabels == null ? Map.of() : nsLabels, injection, Injector.Policy.WEBHOOK);
      // Diff the pod as Fabric8 renders it both times, so only the injection shows up in the patch.
      tools.jackson.databind.JsonNode before = K8S_JSON.readTree(K8S.asJson(pod));
      tools.jackson.databind.JsonNode after = K8S_JSON.readTree(K8S.asJson(injected));
      tools.jackson.databind.JsonNode patch = JsonDiff.asJson(before, after,
          EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION, DiffFlags.OMIT_VALUE_ON_REMOVE));
      if (patch.size() > 0) {
        resp.put("patchType", "JSONPatch");
        resp.put("patch", Base64.getEncoder().encodeToString(K8S_JSON.writeValueAsBytes(patch)));
      }
      return resp;
    } catch (InjectionException e) {
      return deny(resp, 400, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("injection failed", e);
      return deny(resp, 400, "cannot inject the pod: " + e.getMessage());
    }
  }

  private ObjectNode validate(JsonNode request) {
    ObjectNode resp = JSON.createObjectNode();
    JsonNode object = request.get("object");
    if (object == null || !object.isObject() || "DELETE".equals(request.path("operation").asText())) {
      return resp.put("allowed", true);
    }
    // What the parser reads, nothing else: server-set metadata and status have no place in validation.
    ObjectNode copy = JSON.createObjectNode();
    copy.set("apiVersion", object.get("apiVersion"));
    copy.set("kind", object.get("kind"));
    ObjectNode meta = copy.putObject("metadata");
    JsonNode srcMeta = object.path("metadata");
    for (String f : List.of("name", "namespace", "labels", "annotations")) if (srcMeta.has(f)) meta.set(f, srcMeta.get(f));
    if (!meta.has("name") && request.path("name").isTextual()) meta.set("name", request.get("name"));
    String namespace = request.path("namespace").asText("");
    if (!namespace.isEmpty()) meta.put("namespace", namespace);
    if (object.has("spec")) copy.set("spec", object.get("spec"));
    ConfigParser.Result parsed = ConfigParser.parse("admission", copy.toString(), 0);
    List<ValidationMessage> messages = new ArrayList<>(parsed.errors());
    for (ConfigResource r : parsed.configs()) messages.addAll(Validator.validate(r));
    List<String> errors = new ArrayList<>();
    ArrayNode warnings = JSON.createArrayNode();
    for (ValidationMessage m : messages) {
      // No origin: kubectl already names the object; the text is the directory-mode text.
      String text = new ValidationMessage(m.level(), m.code(), m.resource(), null, m.text()).toString();
      if (m.level() == ValidationMessage.Level.Error) errors.add(text);
      else warnings.add(text);
    }
    if (!warnings.isEmpty()) resp.set("warnings", warnings);
    if (!errors.isEmpty()) return deny(resp, 400, String.join("\n", errors));
    return resp.put("allowed", true);
  }

  private static ObjectNode deny(ObjectNode resp, int code, String message) {
    resp.put("allowed", false);
    ObjectNode status = resp.putObject("status");
    status.put("code", code);
    status.put("message", message);
    return resp;
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
