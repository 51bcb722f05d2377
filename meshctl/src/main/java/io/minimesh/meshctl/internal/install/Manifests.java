package io.minimesh.meshctl.internal.install;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.minimesh.api.istio.IstioKinds;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders an installation: the Kubernetes objects of {@link InstallValues}, in apply order (namespaces, CRDs,
 * RBAC, pilot, gateways, webhooks). Templates are YAML resources whose {@code {{name}}} placeholders take JSON
 * values (JSON is YAML), so a value can never break the document structure.
 */
public final class Manifests {
  public static final String NAMESPACE = "minimesh-system";
  public static final String PILOT = "minimesh-pilot";
  public static final String INJECTOR_WEBHOOK = "minimesh-sidecar-injector";
  public static final String VALIDATOR_WEBHOOK = "minimesh-validator";
  /** Every object meshctl installs carries this label; uninstall finds them by it. */
  public static final String OWNER_LABEL = "install.minimesh.io/owner";
  public static final String OWNER = "meshctl";
  public static final String COMPONENT_LABEL = "install.minimesh.io/component";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML_OUT = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()
      .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z]+)}}");
  private static final Map<String, String> SHORT_NAMES =
      Map.of("Gateway", "gw", "VirtualService", "vs", "DestinationRule", "dr", "ServiceEntry", "se", "WorkloadEntry", "we");

  /** One rendered component: a name for progress lines and its objects. */
  public record Component(String name, String title, List<HasMetadata> objects) {}

  private final InstallValues values;
  private final String version;

  public Manifests(InstallValues values, String clientVersion) {
    this.values = values;
    this.version = clientVersion;
  }

  public List<Component> components() {
    List<Component> out = new ArrayList<>();
    List<HasMetadata> base = new ArrayList<>();
    List<HasMetadata> pilot = new ArrayList<>();
    for (HasMetadata o : render("base", baseValues())) {
      (o.getKind().equals("Namespace") ? base : pilot).add(o);
    }
    base.addAll(crds());
    out.add(new Component("base", "Minimesh core", base));
    if (values.enabled("components.pilot.enabled")) {
      pilot.addAll(render("webhooks", baseValues()));
      out.add(new Component("pilot", "Pilot", pilot));
    }
    List<HasMetadata> gws = new ArrayList<>();
    for (JsonNode g : values.at("components.ingressGateways")) {
      if (g.path("enabled").isBoolean() && !g.path("enabled").asBoolean() || "false".equals(g.path("enabled").asText())) continue;
      gws.addAll(gateway(g));
    }
    if (!gws.isEmpty()) out.add(new Component("ingressGateways", "Ingress gateways", gws));
    return out;
  }

  public List<HasMetadata> objects() {
    List<HasMetadata> all = new ArrayList<>();
    components().forEach(c -> all.addAll(c.objects()));
    return all;
  }

  /** All objects as one multi-document YAML stream, as {@code manifest generate} prints it. */
  public String yaml() {
    StringBuilder sb = new StringBuilder();
    for (HasMetadata o : objects()) {
      // Through Jackson's YAML writer with minimal quoting: reads like hand-written manifests.
      sb.append("---\n");
      try {
        sb.append(YAML_OUT.writeValueAsString(JSON.readTree(Serialization.asJson(o))));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return sb.toString();
  }

  public String hub() {
    return values.text("values.global.hub");
  }

  public String tag() {
    String t = values.text("values.global.tag");
    return t.isEmpty() ? version : t;
  }

  public String image(String name) {
    String hub = hub();
    return (hub.isEmpty() ? "" : hub + "/") + name + ":" + tag();
  }

  /** The images an installation runs (what {@code --load-images} loads into kind). */
  public List<String> images() {
    return List.of(image("pilot"), image("proxy"));
  }

  // ---- values per template ----

  private Map<String, Object> common() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("labels", labels("base", Map.of()));
    v.put("pullPolicy", values.text("values.global.imagePullPolicy").isEmpty() ? "IfNotPresent" : values.text("values.global.imagePullPolicy"));
    v.put("proxyImage", image("proxy"));
    return v;
  }

  private Map<String, Object> baseValues() {
    Map<String, Object> v = common();
    Map<String, String> pilotApp = new TreeMap<>(Map.of("app", PILOT, "istio", "pilot"));
    v.put("pilotLabels", labels("pilot", pilotApp));
    v.put("pilotPodLabels", pilotApp);
    v.put("pilotImage", image("pilot"));
    v.put("pilotReplicas", values.at("components.pilot.k8s.replicaCount").asInt(1));
    v.put("pilotResources", orEmpty(values.at("components.pilot.k8s.resources")));
    v.put("meshConfig", yamlText(values.at("meshConfig")));
    ObjectNode inj = JSON.createObjectNode();
    inj.put("proxyImage", image("proxy"));
    inj.put("imagePullPolicy", (String) v.get("pullPolicy"));
    inj.put("logLevel", values.text("values.global.proxy.logLevel"));
    inj.put("discoveryAddress", PILOT + "." + NAMESPACE + ".svc:15010");
    v.put("injectorValues", yamlText(inj));
    v.put("injectClient", clientConfig("/inject"));
    v.put("validateClient", clientConfig("/validate"));
    v.put("podRules", JSON.createArrayNode().add(JSON.createObjectNode()
        .<ObjectNode>set("operations", JSON.createArrayNode().add("CREATE"))
        .<ObjectNode>set("apiGroups", JSON.createArrayNode().add(""))
        .<ObjectNode>set("apiVersions", JSON.createArrayNode().add("v1"))
        .<ObjectNode>set("resources", JSON.createArrayNode().add("pods"))
        .put("scope", "*")));
    return v;
  }

  private static ObjectNode clientConfig(String path) {
    ObjectNode c = JSON.createObjectNode();
    c.putObject("service").put("name", PILOT).put("namespace", NAMESPACE).put("path", path).put("port", 443);
    return c;
  }

  private List<HasMetadata> gateway(JsonNode g) {
    String name = g.path("name").asText("");
    if (name.isEmpty()) throw new IllegalArgumentException("components.ingressGateways[]: name is required");
    String ns = g.path("namespace").asText(NAMESPACE);
    Map<String, String> selector = new TreeMap<>();
    g.path("label").fields().forEachRemaining(e -> selector.put(e.getKey(), e.getValue().asText()));
    if (selector.isEmpty()) {
      selector.put("app", name);
      selector.put("istio", "ingressgateway");
    }
    List<HasMetadata> out = new ArrayList<>();
    if (!ns.equals(NAMESPACE)) {
      out.addAll(render("namespace", Map.of("name", ns, "labels", labels("gateway", Map.of()))));
    }
    Map<String, Object> v = common();
    v.put("name", name);
    v.put("namespace", ns);
    v.put("serviceAccount", name + "-service-account");
    v.put("labels", labels("ingressgateway", selector));
    v.put("selector", selector);
    Map<String, String> podLabels = new TreeMap<>(selector);
    podLabels.put("sidecar.istio.io/inject", "false");
    v.put("podLabels", podLabels);
    try {
      v.put("labelsJson", JSON.writeValueAsString(selector));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    v.put("replicas", g.path("k8s").path("replicaCount").asInt(1));
    v.put("resources", orEmpty(g.path("k8s").path("resources")));
    JsonNode svc = g.path("k8s").path("service");
    String type = svc.path("type").asText("NodePort");
    v.put("serviceType", type);
    ArrayNode ports = JSON.createArrayNode();
    ArrayNode containerPorts = JSON.createArrayNode();
    List<String> portMap = new ArrayList<>();
    boolean status = false;
    for (JsonNode p : svc.path("ports")) {
      int port = p.path("port").asInt(0);
      if (port <= 0 || port > 65535) {
        throw new IllegalArgumentException("components.ingressGateways[" + name + "].k8s.service.ports: invalid port \"" + p.path("port").asText() + "\"");
      }
      int target = p.path("targetPort").asInt(port);
      String pname = p.path("name").asText(p.path("protocol").asText("tcp").toLowerCase() + "-" + port);
      ObjectNode sp = ports.addObject().put("name", pname).put("port", port).put("targetPort", target)
          .put("protocol", p.path("protocol").asText("TCP"));
      if (p.has("nodePort") && !type.equals("ClusterIP")) sp.put("nodePort", p.path("nodePort").asInt());
      if (target == 15021) {
        status = true;
      } else {
        portMap.add(port + ":" + target);
      }
      containerPorts.addObject().put("name", pname.length() > 15 ? pname.substring(0, 15) : pname)
          .put("containerPort", target).put("protocol", p.path("protocol").asText("TCP"));
    }
    if (!status) {
      ports.insertObject(0).put("name", "status-port").put("port", 15021).put("targetPort", 15021).put("protocol", "TCP");
      containerPorts.insertObject(0).put("name", "status-port").put("containerPort", 15021).put("protocol", "TCP");
    }
    containerPorts.addObject().put("name", "http-envoy-prom").put("containerPort", 15090).put("protocol", "TCP");
    v.put("servicePorts", ports);
    v.put("containerPorts", containerPorts);
    List<String> args = new ArrayList<>(List.of("proxy", "router"));
    if (!portMap.isEmpty()) {
      args.add("--port-map");
      args.add(String.join(",", portMap));
    }
    String level = values.text("values.global.proxy.logLevel");
    if (!level.isEmpty()) {
      args.add("--log-level");
      args.add(level);
    }
    v.put("args", args);
    out.addAll(render("gateway", v));
    return out;
  }

  private List<CustomResourceDefinition> crds() {
    List<CustomResourceDefinition> out = new ArrayList<>();
    for (String kind : new java.util.TreeSet<>(IstioKinds.KINDS.keySet())) {
      String plural = IstioKinds.KINDS.get(kind).getAnnotation(Plural.class).value();
      List<CustomResourceDefinitionVersion> versions = new ArrayList<>();
      for (String ver : IstioKinds.VERSIONS) {
        versions.add(new CustomResourceDefinitionVersionBuilder()
            .withName(ver)
            .withServed(true)
            .withStorage(ver.equals("v1"))
            .withNewSubresources().withNewStatus().endStatus().endSubresources()
            // The schema is Istio's API itself; pilot's validating webhook checks it field by field.
            .withNewSchema().withOpenAPIV3Schema(new JSONSchemaPropsBuilder()
                .withType("object")
                .addToProperties("spec", new JSONSchemaPropsBuilder().withType("object").withXKubernetesPreserveUnknownFields(true).build())
                .addToProperties("status", new JSONSchemaPropsBuilder().withType("object").withXKubernetesPreserveUnknownFields(true).build())
                .build()).endSchema()
            .build());
      }
      CustomResourceDefinitionBuilder b = new CustomResourceDefinitionBuilder()
          .withNewMetadata().withName(plural + "." + IstioKinds.GROUP).withLabels(labels("crd", Map.of())).endMetadata()
          .withNewSpec()
          .withGroup(IstioKinds.GROUP)
          .withScope("Namespaced")
          .withNewNames().withKind(kind).withListKind(kind + "List").withPlural(plural).withSingular(kind.toLowerCase())
          .withCategories("istio-io", "networking-istio-io")
          .withShortNames(SHORT_NAMES.containsKey(kind) ? List.of(SHORT_NAMES.get(kind)) : List.of())
          .endNames()
          .withVersions(versions)
          .endSpec();
      out.add(b.build());
    }
    out.add(minimeshCrd("localratelimits.networking.minimesh.io"));
    return out;
  }

  /** A CRD of Minimesh's own API group, as the api module ships it, with the install's labels. */
  private CustomResourceDefinition minimeshCrd(String name) {
    try (var in = io.minimesh.api.minimesh.MinimeshKinds.class.getResourceAsStream("/crds/" + name + ".yaml")) {
      if (in == null) throw new IllegalStateException("CRD " + name + " missing from the api module");
      CustomResourceDefinition crd = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(in, CustomResourceDefinition.class);
      crd.getMetadata().setLabels(labels("crd", Map.of()));
      return crd;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ---- helpers ----

  private Map<String, String> labels(String component, Map<String, String> extra) {
    Map<String, String> l = new TreeMap<>(extra);
    l.put("app.kubernetes.io/part-of", "minimesh");
    l.put(OWNER_LABEL, OWNER);
    l.put(COMPONENT_LABEL, component);
    return l;
  }

  private static JsonNode orEmpty(JsonNode n) {
    return n.isObject() ? n : JSON.createObjectNode();
  }

  private static String yamlText(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isEmpty()) return "{}\n";
    try {
      return YAML_OUT.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String template(String name) {
    String res = "/io/minimesh/meshctl/install/templates/" + name + ".yaml";
    try (InputStream in = Manifests.class.getResourceAsStream(res)) {
      if (in == null) throw new IllegalStateException("missing resource " + res);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<HasMetadata> render(String name, Map<String, Object> v) {
    Matcher m = PLACEHOLDER.matcher(template(name));
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      if (!v.containsKey(m.group(1))) throw new IllegalStateException("template " + name + ": no value for {{" + m.group(1) + "}}");
      try {
        m.appendReplacement(sb, Matcher.quoteReplacement(JSON.writeValueAsString(v.get(m.group(1)))));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    m.appendTail(sb);
    List<HasMetadata> out = new ArrayList<>();
    try {
      for (JsonNode doc : InstallValues.YAML.readerFor(JsonNode.class).readValues(sb.toString()).readAll().stream().map(JsonNode.class::cast).toList()) {
        if (doc == null || doc.isNull() || doc.isEmpty()) continue;
        out.add(Serialization.unmarshal(JSON.writeValueAsString(doc)));
      }
    } catch (IOException e) {
      throw new IllegalStateException("template " + name + " renders invalid YAML: " + e.getMessage(), e);
    }
    return out;
  }
}
