package io.minimesh.pilot.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.minimesh.api.istio.IstioKinds;
import io.minimesh.api.istio.IstioYaml;
import io.minimesh.api.minimesh.MinimeshKinds;
import io.minimesh.pilot.validation.Codes;
import io.minimesh.pilot.validation.ValidationMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Turns YAML text (one file, many documents) into Istio resources and TLS secrets. A document that
 * cannot be read becomes an error message naming file, line and field; the others are still read.
 */
public final class ConfigParser {
  /** What one file yielded. */
  public record Result(List<ConfigResource> configs, List<TlsSecret> secrets, List<ValidationMessage> errors) {}

  private static final String DEFAULT_NAMESPACE = "default";

  /** Parses all documents of {@code text}; {@code orderBase} orders resources (Istio: creation time). */
  public static Result parse(String file, String text, long orderBase) {
    List<ConfigResource> configs = new ArrayList<>();
    List<TlsSecret> secrets = new ArrayList<>();
    List<ValidationMessage> errors = new ArrayList<>();
    List<IstioYaml.Document> docs;
    try {
      docs = IstioYaml.documents(text);
    } catch (IstioYaml.ParseException e) {
      errors.add(ValidationMessage.error(Codes.YAML_SYNTAX, null, new Origin(file, 0), e.getMessage()));
      return new Result(configs, secrets, errors);
    }
    int idx = 0;
    for (IstioYaml.Document doc : docs) {
      Origin origin = new Origin(file, doc.line());
      JsonNode n = doc.node();
      idx++;
      if (n.isObject() && "List".equals(n.path("kind").asText()) && n.path("items").isArray()) {
        for (JsonNode item : n.path("items")) one(item, origin, orderBase + idx * 1000L + configs.size(), configs, secrets, errors);
        continue;
      }
      one(n, origin, orderBase + idx * 1000L, configs, secrets, errors);
    }
    return new Result(configs, secrets, errors);
  }

  private static void one(JsonNode n, Origin origin, long order, List<ConfigResource> configs,
      List<TlsSecret> secrets, List<ValidationMessage> errors) {
    if (!n.isObject()) {
      errors.add(ValidationMessage.error(Codes.YAML_SYNTAX, null, origin, "document is not a YAML mapping"));
      return;
    }
    String kind = n.path("kind").asText("");
    String apiVersion = n.path("apiVersion").asText("");
    String name = n.path("metadata").path("name").asText("");
    String ns = n.path("metadata").path("namespace").asText(DEFAULT_NAMESPACE);
    if (ns.isEmpty()) ns = DEFAULT_NAMESPACE;
    ConfigKey key = new ConfigKey(kind.isEmpty() ? "?" : kind, ns, name.isEmpty() ? "?" : name);
    if (kind.isEmpty()) {
      errors.add(ValidationMessage.error(Codes.MISSING_FIELD, null, origin, "kind: is required"));
      return;
    }
    if (name.isEmpty()) {
      errors.add(ValidationMessage.error(Codes.MISSING_FIELD, key, origin, "metadata.name: is required"));
      return;
    }
    if (kind.equals("Secret") && apiVersion.equals("v1")) {
      secret(n, key, origin, secrets, errors);
      return;
    }
    Class<? extends CustomResource<?, ?>> type = IstioKinds.KINDS.get(kind);
    if (apiVersion.equals(MinimeshKinds.API_VERSION)) type = MinimeshKinds.KINDS.get(kind);
    else if (!IstioKinds.isServedApiVersion(apiVersion)) type = null;
    if (type == null && isOtherKnownKind(kind, apiVersion)) {
      // Kubernetes objects and Istio resources Minimesh does not implement often share a file with
      // the networking resources (samples, kustomize output): skip them, say so, keep the rest.
      errors.add(ValidationMessage.warning(Codes.UNKNOWN_KIND, key, origin, kind + " (" + apiVersion
          + ") ignored: " + (apiVersion.contains("istio.io/") ? "not implemented by Minimesh, not enforced"
              : "not an Istio networking resource")));
      return;
    }
    if (type == null) {
      errors.add(ValidationMessage.error(Codes.UNKNOWN_KIND, key, origin,
          "unsupported kind/apiVersion \"" + kind + "\" \"" + apiVersion + "\" (supported: "
              + String.join(", ", new java.util.TreeSet<>(IstioKinds.KINDS.keySet())) + " in "
              + IstioKinds.GROUP + "/" + String.join("|", IstioKinds.VERSIONS) + ", LocalRateLimit in "
              + MinimeshKinds.API_VERSION + ", and v1 Secret)"));
      return;
    }
    try {
      CustomResource<?, ?> r = IstioYaml.convert(n, type);
      ObjectMeta meta = r.getMetadata();
      meta.setNamespace(ns);
      configs.add(new ConfigResource(key, r, origin, order));
    } catch (IstioYaml.ParseException e) {
      String code = e.getMessage().startsWith("unknown field") ? Codes.UNKNOWN_FIELD : Codes.INVALID_TYPE;
      errors.add(ValidationMessage.error(code, key, origin, e.getMessage()));
    }
  }

  /** Istio kinds outside what Minimesh implements, by API group. */
  private static final java.util.Map<String, java.util.Set<String>> OTHER_ISTIO_KINDS = java.util.Map.of(
      "networking.istio.io", java.util.Set.of("EnvoyFilter", "WorkloadGroup", "ProxyConfig"),
      "security.istio.io", java.util.Set.of("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"),
      "telemetry.istio.io", java.util.Set.of("Telemetry"),
      "extensions.istio.io", java.util.Set.of("WasmPlugin"),
      "install.istio.io", java.util.Set.of("IstioOperator"));

  /**
   * A real kind Minimesh skips: any kind outside the istio.io groups (Kubernetes core, apps, Gateway API,
   * CRDs of other projects), or an Istio kind Minimesh does not implement. An unknown kind in an Istio
   * group (a typo such as "VirtualSevice") or a networking kind with an unserved version stays an error.
   */
  static boolean isOtherKnownKind(String kind, String apiVersion) {
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    if (!group.endsWith("istio.io")) return !apiVersion.isEmpty();
    return OTHER_ISTIO_KINDS.getOrDefault(group, java.util.Set.of()).contains(kind);
  }

  private static void secret(JsonNode n, ConfigKey key, Origin origin, List<TlsSecret> secrets,
      List<ValidationMessage> errors) {
    String type = n.path("type").asText("Opaque");
    if (!type.equals("kubernetes.io/tls") && !type.equals("Opaque") && !type.equals("istio.io/key-and-cert")) {
      errors.add(ValidationMessage.warning(Codes.UNKNOWN_KIND, key, origin, "Secret type \"" + type + "\" ignored (want kubernetes.io/tls)"));
      return;
    }
    try {
      String crt = value(n, "tls.crt", "cert");
      String keyPem = value(n, "tls.key", "key");
      String ca = value(n, "ca.crt", "cacert");
      secrets.add(new TlsSecret(key.namespace(), key.name(), crt, keyPem, ca, origin));
    } catch (IllegalArgumentException e) {
      errors.add(ValidationMessage.error(Codes.INVALID_CERTIFICATE, key, origin, "data: " + e.getMessage()));
    }
  }

  private static String value(JsonNode n, String... keys) {
    for (String k : keys) {
      JsonNode s = n.path("stringData").path(k);
      if (s.isTextual()) return s.asText();
      JsonNode d = n.path("data").path(k);
      if (d.isTextual()) {
        try {
          return new String(Base64.getMimeDecoder().decode(d.asText()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("data." + k + " is not valid base64");
        }
      }
    }
    return null;
  }

  private ConfigParser() {}
}
