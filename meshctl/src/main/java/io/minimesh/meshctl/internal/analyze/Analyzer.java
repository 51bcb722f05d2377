package io.minimesh.meshctl.internal.analyze;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.minimesh.api.istio.GatewaySpec;
import io.minimesh.api.istio.IstioKinds;
import io.minimesh.api.istio.IstioYaml;
import io.minimesh.pilot.config.ConfigKey;
import io.minimesh.pilot.config.ConfigParser;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.config.MeshSnapshot;
import io.minimesh.pilot.config.Origin;
import io.minimesh.pilot.config.TlsSecret;
import io.minimesh.pilot.model.Hosts;
import io.minimesh.pilot.model.Protocols;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.ServicePort;
import io.minimesh.pilot.validation.Codes;
import io.minimesh.pilot.validation.ValidationMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code meshctl analyze}: pilot's own validation and reference checks (the same {@link PushContext} pilot
 * builds, so the messages are pilot's) over files and/or a cluster, plus Kubernetes-side checks pilot cannot
 * make (a namespace with workloads but no injection label). Files win over cluster objects of the same name,
 * as they would once applied.
 */
public final class Analyzer {
  /** Workloads in a namespace that neither Minimesh's nor Istio's injection label enables. */
  public static final String NAMESPACE_NOT_INJECTED = "MM0301";

  static final Set<String> SKIPPED_NAMESPACES = Set.of("kube-system", "kube-public", "kube-node-lease", "local-path-storage", "minimesh-system", "istio-system");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> WORKLOAD_KINDS = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod");

  /** A workload's pod template, enough to decide whether its pods would be injected. */
  record Workload(ConfigKey key, Origin origin, Map<String, String> labels, Map<String, String> annotations) {}

  private final Map<ConfigKey, ConfigResource> configs = new LinkedHashMap<>();
  private final Map<ConfigKey, TlsSecret> secrets = new LinkedHashMap<>();
  private final Map<String, Service> services = new LinkedHashMap<>();
  private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
  private final Map<ConfigKey, Workload> workloads = new LinkedHashMap<>();
  private final List<ValidationMessage> sourceErrors = new ArrayList<>();
  private long order;

  /** Adds one file's documents (Istio resources, Secrets, Services, Namespaces, workloads). */
  public Analyzer addFile(String file, String text) {
    ConfigParser.Result r = ConfigParser.parse(file, text, order);
    order += 1_000_000;
    Set<ConfigKey> kubeDocs = new HashSet<>();
    try {
      for (IstioYaml.Document d : IstioYaml.documents(text)) {
        JsonNode n = d.node();
        if (n.isObject() && "List".equals(n.path("kind").asText()) && n.path("items").isArray()) {
          for (JsonNode item : n.path("items")) kubeDoc(item, new Origin(file, d.line()), kubeDocs);
        } else {
          kubeDoc(n, new Origin(file, d.line()), kubeDocs);
        }
      }
    } catch (IstioYaml.ParseException e) {
      // ConfigParser reported the syntax error already.
    }
    for (ValidationMessage m : r.errors()) {
      // Kubernetes kinds are not errors here: the Istio parser only knows Istio kinds.
      if (m.code().equals(Codes.UNKNOWN_KIND) && m.resource() != null && kubeDocs.contains(m.resource())) continue;
      sourceErrors.add(m);
    }
    for (ConfigResource c : r.configs()) configs.put(c.key(), c);
    for (TlsSecret s : r.secrets()) secrets.put(s.key(), s);
    return this;
  }

  private void kubeDoc(JsonNode n, Origin origin, Set<ConfigKey> kubeDocs) {
    String kind = n.path("kind").asText("");
    String apiVersion = n.path("apiVersion").asText("");
    if (kind.isEmpty() || apiVersion.contains("istio.io/") || (kind.equals("Secret") && apiVersion.equals("v1"))) return;
    String name = n.path("metadata").path("name").asText("?");
    String ns = n.path("metadata").path("namespace").asText("default");
    if (ns.isEmpty()) ns = "default";
    kubeDocs.add(new ConfigKey(kind, ns, name));
    try {
      switch (kind) {
        case "Service" -> service(Serialization.unmarshal(JSON.writeValueAsString(n), io.fabric8.kubernetes.api.model.Service.class), ns);
        case "Namespace" -> namespaceLabels.put(name, strings(n.path("metadata").path("labels")));
        default -> {
          if (WORKLOAD_KINDS.contains(kind)) {
            JsonNode tpl = podTemplate(kind, n);
            if (tpl != null) {
              workloads.put(new ConfigKey(kind, ns, name), new Workload(new ConfigKey(kind, ns, name), origin,
                  strings(tpl.path("metadata").path("labels")), strings(tpl.path("metadata").path("annotations"))));
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      sourceErrors.add(ValidationMessage.error(Codes.INVALID_TYPE, new ConfigKey(kind, ns, name), origin, "cannot read " + kind + ": " + e.getMessage()));
    }
  }

  private static JsonNode podTemplate(String kind, JsonNode n) {
    return switch (kind) {
      case "Pod" -> n;
      case "CronJob" -> n.path("spec").path("jobTemplate").path("spec").path("template");
      default -> n.path("spec").path("template");
    };
  }

  private static Map<String, String> strings(JsonNode n) {
    Map<String, String> m = new TreeMap<>();
    n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  private void service(io.fabric8.kubernetes.api.model.Service s, String ns) {
    String host = s.getMetadata().getName() + "." + ns + "." + Hosts.DOMAIN_SUFFIX;
    List<ServicePort> ports = new ArrayList<>();
    if (s.getSpec() != null && s.getSpec().getPorts() != null) {
      for (var p : s.getSpec().getPorts()) {
        int target = p.getTargetPort() != null && p.getTargetPort().getIntVal() != null ? p.getTargetPort().getIntVal() : p.getPort();
        ports.add(new ServicePort(p.getName(), p.getPort(), Protocols.normalize(p.getAppProtocol(), p.getName()), target));
      }
    }
    List<String> addresses = s.getSpec() == null || s.getSpec().getClusterIP() == null || "None".equals(s.getSpec().getClusterIP())
        ? List.of() : List.of(s.getSpec().getClusterIP());
    services.put(host, new Service(host, ns, addresses, ports, Service.Resolution.STATIC, false, List.of(), 
        s.getSpec() == null || s.getSpec().getSelector() == null ? Map.of() : s.getSpec().getSelector(),
        new ConfigKey("Service", ns, s.getMetadata().getName())));
  }

  /**
   * Adds what the cluster holds: Services and Namespaces everywhere (references cross namespaces), Istio
   * resources, gateway Secrets and workloads in {@code namespace} (null: all). Objects already read from
   * files are kept as the files say.
   */
  public Analyzer addCluster(KubernetesClient client, String namespace) {
    for (var ns : client.namespaces().list().getItems()) {
      namespaceLabels.putIfAbsent(ns.getMetadata().getName(), ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels());
    }
    for (var s : client.services().inAnyNamespace().list().getItems()) {
      String host = s.getMetadata().getName() + "." + s.getMetadata().getNamespace() + "." + Hosts.DOMAIN_SUFFIX;
      if (!services.containsKey(host)) service(s, s.getMetadata().getNamespace());
    }
    List<ConfigResource> fromCluster = new ArrayList<>();
    for (var e : new TreeMap<>(IstioKinds.KINDS).entrySet()) {
      String plural = e.getValue().getAnnotation(Plural.class).value();
      ResourceDefinitionContext ctx = new ResourceDefinitionContext.Builder().withGroup(IstioKinds.GROUP).withVersion("v1")
          .withKind(e.getKey()).withPlural(plural).withNamespaced(true).build();
      List<GenericKubernetesResource> items;
      try {
        var op = client.genericKubernetesResources(ctx);
        items = (namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace)).list().getItems();
      } catch (KubernetesClientException ex) {
        if (ex.getCode() == 404) continue; // CRD not installed: nothing of that kind.
        throw ex;
      }
      for (GenericKubernetesResource g : items) {
        ConfigKey key = new ConfigKey(e.getKey(), g.getMetadata().getNamespace(), g.getMetadata().getName());
        if (configs.containsKey(key)) continue;
        try {
          var r = IstioYaml.convert(JSON.readTree(Serialization.asJson(g)), e.getValue());
          fromCluster.add(new ConfigResource(key, r, null, order++));
        } catch (IstioYaml.ParseException | IOException ex) {
          sourceErrors.add(ValidationMessage.error(Codes.INVALID_TYPE, key, null, ex.getMessage()));
        }
      }
    }
    fromCluster.forEach(c -> configs.put(c.key(), c));
    // Only the Secrets gateways name (pilot reads no others).
    for (ConfigResource c : configs.values()) {
      if (!c.kind().equals("Gateway")) continue;
      GatewaySpec gs = c.spec(GatewaySpec.class);
      if (gs == null || gs.servers == null) continue;
      for (var s : gs.servers) {
        if (s.tls == null || s.tls.credentialName == null) continue;
        ConfigKey sk = new ConfigKey("Secret", c.namespace(), s.tls.credentialName);
        if (secrets.containsKey(sk)) continue;
        var secret = client.secrets().inNamespace(c.namespace()).withName(s.tls.credentialName).get();
        if (secret == null) continue;
        ConfigParser.Result r = ConfigParser.parse("kubernetes", Serialization.asYaml(secret), 0);
        r.secrets().forEach(t -> secrets.put(t.key(), new TlsSecret(t.namespace(), t.name(), t.certChain(), t.privateKey(), t.caCert(), null)));
      }
    }
    List<HasMetadata> kube = new ArrayList<>();
    if (namespace == null) {
      kube.addAll(client.apps().deployments().inAnyNamespace().list().getItems());
      kube.addAll(client.apps().statefulSets().inAnyNamespace().list().getItems());
      kube.addAll(client.apps().daemonSets().inAnyNamespace().list().getItems());
      kube.addAll(client.pods().inAnyNamespace().list().getItems());
    } else {
      kube.addAll(client.apps().deployments().inNamespace(namespace).list().getItems());
      kube.addAll(client.apps().statefulSets().inNamespace(namespace).list().getItems());
      kube.addAll(client.apps().daemonSets().inNamespace(namespace).list().getItems());
      kube.addAll(client.pods().inNamespace(namespace).list().getItems());
    }
    for (HasMetadata o : kube) {
      // Pods of a controller are that controller's business (reported once, by the controller).
      if (o instanceof io.fabric8.kubernetes.api.model.Pod p && p.getMetadata().getOwnerReferences() != null
          && !p.getMetadata().getOwnerReferences().isEmpty()) continue;
      ConfigKey key = new ConfigKey(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName());
      if (workloads.containsKey(key)) continue;
      PodTemplateSpec t = null;
      if (o instanceof io.fabric8.kubernetes.api.model.apps.Deployment d) t = d.getSpec().getTemplate();
      else if (o instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet s) t = s.getSpec().getTemplate();
      else if (o instanceof io.fabric8.kubernetes.api.model.apps.DaemonSet s) t = s.getSpec().getTemplate();
      else if (o instanceof io.fabric8.kubernetes.api.model.Pod p) t = new PodTemplateSpec(p.getMetadata(), p.getSpec());
      if (t == null || t.getMetadata() == null) continue;
      workloads.put(key, new Workload(key, null, nz(t.getMetadata().getLabels()), nz(t.getMetadata().getAnnotations())));
    }
    return this;
  }

  private static Map<String, String> nz(Map<String, String> m) {
    return m == null ? Map.of() : m;
  }

  /** The findings for {@code namespace} (null: all namespaces), most severe first; file findings always. */
  public List<ValidationMessage> analyze(String namespace) {
    MeshSnapshot snap = new MeshSnapshot(List.copyOf(configs.values()), List.copyOf(secrets.values()),
        List.copyOf(services.values()), List.of(), sourceErrors);
    List<ValidationMessage> out = new ArrayList<>();
    for (ValidationMessage m : PushContext.build(snap).messages()) {
      if (m.origin() != null || m.resource() == null || namespace == null || namespace.equals(m.resource().namespace())) out.add(m);
    }
    out.addAll(namespaceInjection(namespace));
    out.sort(Comparator.comparing((ValidationMessage m) -> m.level().ordinal())
        .thenComparing(m -> m.resource() == null ? "" : m.resource().toString())
        .thenComparing(ValidationMessage::code));
    return out;
  }

  private List<ValidationMessage> namespaceInjection(String scope) {
    Map<String, List<Workload>> byNs = new TreeMap<>();
    for (Workload w : workloads.values()) {
      String ns = w.key().namespace();
      if (scope != null && !scope.equals(ns) && w.origin() == null) continue;
      if (SKIPPED_NAMESPACES.contains(ns)) continue;
      byNs.computeIfAbsent(ns, k -> new ArrayList<>()).add(w);
    }
    List<ValidationMessage> out = new ArrayList<>();
    for (var e : byNs.entrySet()) {
      Map<String, String> labels = namespaceLabels.get(e.getKey());
      if (labels == null) continue; // unknown namespace (files only, no Namespace document): cannot tell
      if (labels.containsKey("minimesh-injection") || labels.containsKey("istio-injection")) continue;
      boolean allOptIn = e.getValue().stream().allMatch(w -> optsIn(w.labels()) || optsIn(w.annotations()));
      if (allOptIn) continue;
      String ns = e.getKey();
      out.add(new ValidationMessage(ValidationMessage.Level.Info, NAMESPACE_NOT_INJECTED, new ConfigKey("Namespace", "", ns), null,
          "The namespace is not enabled for Minimesh injection. Run 'kubectl label namespace " + ns
              + " minimesh-injection=enabled' to enable it, or 'kubectl label namespace " + ns
              + " minimesh-injection=disabled' to explicitly mark it as not needing injection."));
    }
    return out;
  }

  private static boolean optsIn(Map<String, String> m) {
    return "true".equals(m.get("sidecar.minimesh.io/inject")) || "true".equals(m.get("sidecar.istio.io/inject"));
  }

  /** istioctl's line: {@code Error [MM0101] (VirtualService default/reviews file.yaml:12) text}. */
  public static String format(ValidationMessage m) {
    StringBuilder sb = new StringBuilder().append(m.level()).append(" [").append(m.code()).append("] (");
    if (m.resource() != null) {
      ConfigKey k = m.resource();
      sb.append(k.kind()).append(' ');
      sb.append(k.namespace().isEmpty() ? k.name() : k.namespace() + "/" + k.name());
      if (m.origin() != null) sb.append(' ');
    }
    if (m.origin() != null) sb.append(m.origin());
    return sb.append(") ").append(m.text()).toString();
  }
}
