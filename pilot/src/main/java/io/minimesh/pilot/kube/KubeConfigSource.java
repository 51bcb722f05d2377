package io.minimesh.pilot.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.minimesh.api.istio.GatewaySpec;
import io.minimesh.api.istio.IstioKinds;
import io.minimesh.pilot.config.ConfigParser;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.config.ConfigSource;
import io.minimesh.pilot.config.MeshSnapshot;
import io.minimesh.pilot.config.Origin;
import io.minimesh.pilot.config.TlsSecret;
import io.minimesh.pilot.model.WorkloadInstance;
import io.minimesh.pilot.validation.ValidationMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pilot --kube}: Fabric8 shared informers on Services, EndpointSlices, Pods, Namespaces, Nodes
 * (optional: locality), the Istio networking CRDs and, one small informer per name, the Secrets that
 * Gateways reference. Any change rebuilds a complete {@link MeshSnapshot} from the informer caches on one
 * thread (changes arriving meanwhile coalesce into one more rebuild); pilot debounces, validates and
 * pushes as in directory mode. Istio resources go through the same parser as files, so they meet the same
 * checks and messages (origin "kubernetes").
 */
public final class KubeConfigSource implements ConfigSource {
  private static final Logger LOG = LoggerFactory.getLogger(KubeConfigSource.class);
  static final Origin ORIGIN = new Origin("kubernetes", 0);

  private final KubernetesClient client;
  private final KubeOptions options;
  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "kube-config");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean rebuildQueued = new AtomicBoolean();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final Map<String, SharedIndexInformer<GenericKubernetesResource>> istio = new HashMap<>();
  /** Owned by the executor thread: one informer per referenced Secret, by namespace/name. */
  private final Map<String, SharedIndexInformer<Secret>> secretInformers = new HashMap<>();
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<EndpointSlice> slices;
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<Namespace> namespaces;
  private SharedIndexInformer<Node> nodes;
  private Consumer<MeshSnapshot> listener;
  private volatile boolean started;
  private volatile boolean synced;
  private volatile boolean closed;

  public KubeConfigSource(KubernetesClient client, KubeOptions options) {
    this.client = client;
    this.options = options;
  }

  @Override
  public void start(Consumer<MeshSnapshot> listener) throws Exception {
    this.listener = listener;
    ResourceEventHandler<HasMetadata> h = handler();
    services = add(watch("services", () -> client.services().inAnyNamespace().inform(h)));
    slices = add(watch("endpointslices.discovery.k8s.io", () -> client.discovery().v1().endpointSlices().inAnyNamespace().inform(h)));
    pods = add(watch("pods", () -> client.pods().inAnyNamespace().inform(h)));
    namespaces = add(watch("namespaces", () -> client.namespaces().inform(h)));
    try {
      nodes = add(client.nodes().inform(h));
    } catch (KubernetesClientException e) {
      // Nodes only refine locality (region); the EndpointSlice's zone still works without them.
      LOG.warn("cannot watch nodes ({}); locality comes from EndpointSlice zones only", e.getMessage());
    }
    for (var e : new java.util.TreeMap<>(IstioKinds.KINDS).entrySet()) {
      ResourceDefinitionContext ctx = ResourceDefinitionContext.fromResourceType(e.getValue());
      try {
        istio.put(e.getKey(), add(client.genericKubernetesResources(ctx).inAnyNamespace().inform(h)));
      } catch (KubernetesClientException ex) {
        throw new IllegalStateException("cannot watch " + ctx.getPlural() + "." + ctx.getGroup() + "/"
            + ctx.getVersion() + ": " + ex.getMessage() + " (are the Istio CRDs installed? meshctl install)", ex);
      }
    }
    // Minimesh's own kinds are optional: a cluster without their CRD (an Istio install reused) still works.
    for (var e : new java.util.TreeMap<>(io.minimesh.api.minimesh.MinimeshKinds.KINDS).entrySet()) {
      ResourceDefinitionContext ctx = ResourceDefinitionContext.fromResourceType(e.getValue());
      try {
        istio.put(e.getKey(), add(client.genericKubernetesResources(ctx).inAnyNamespace().inform(h)));
      } catch (KubernetesClientException ex) {
        LOG.warn("cannot watch {}.{}/{} ({}); {} resources are ignored (meshctl install adds the CRD)",
            ctx.getPlural(), ctx.getGroup(), ctx.getVersion(), ex.getMessage(), e.getKey());
      }
    }
    // The first snapshot is delivered before start returns, as ConfigSource promises.
    started = true;
    executor.submit(this::rebuild).get(60, TimeUnit.SECONDS);
    synced = true;
  }

  /** Starts one informer; failures name the resource, the API server and the root cause. */
  private <T> SharedIndexInformer<T> watch(String what, java.util.function.Supplier<SharedIndexInformer<T>> start) {
    try {
      return start.get();
    } catch (RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) root = root.getCause();
      throw new IllegalStateException("cannot watch " + what + " on " + client.getMasterUrl() + ": "
          + (root.getMessage() != null ? root.getMessage() : root.toString()), e);
    }
  }

  private <T> SharedIndexInformer<T> add(SharedIndexInformer<T> i) {
    informers.add(i);
    return i;
  }

  private <T extends HasMetadata> ResourceEventHandler<T> handler() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        changed();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        // Resyncs and status-only writes give identical resourceVersions: nothing to do.
        if (oldObj != null && newObj != null && java.util.Objects.equals(
            oldObj.getMetadata().getResourceVersion(), newObj.getMetadata().getResourceVersion())) return;
        changed();
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        changed();
      }
    };
  }

  private void changed() {
    if (closed || !started) return;
    if (rebuildQueued.compareAndSet(false, true)) executor.execute(this::rebuild);
  }

  /** Runs on the executor: reads every cache, emits one snapshot. */
  private void rebuild() {
    rebuildQueued.set(false);
    if (closed) return;
    try {
      MeshSnapshot snap = snapshot();
      listener.accept(snap);
    } catch (RuntimeException e) {
      LOG.error("building the Kubernetes snapshot failed; keeping the previous one", e);
    }
  }

  private MeshSnapshot snapshot() {
    Map<String, Map<String, String>> nsLabels = new HashMap<>();
    for (Namespace n : namespaces.getStore().list()) {
      nsLabels.put(n.getMetadata().getName(), n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels());
    }
    java.util.function.Predicate<HasMetadata> wanted =
        o -> options.namespaceWanted(o.getMetadata().getNamespace(), nsLabels.get(o.getMetadata().getNamespace()));

    // Istio resources, in Istio's precedence order: oldest first, then by name.
    List<GenericKubernetesResource> raw = new ArrayList<>();
    for (var i : istio.values()) for (var r : i.getStore().list()) if (wanted.test(r)) raw.add(r);
    raw.sort(Comparator.comparing((GenericKubernetesResource r) -> String.valueOf(r.getMetadata().getCreationTimestamp()))
        .thenComparing(r -> r.getKind() + "/" + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()));
    List<ConfigResource> configs = new ArrayList<>();
    List<ValidationMessage> errors = new ArrayList<>();
    long order = 0;
    for (GenericKubernetesResource r : raw) {
      ConfigParser.Result res = ConfigParser.parse("kubernetes", json(r), ++order * 1000);
      for (ConfigResource c : res.configs()) configs.add(new ConfigResource(c.key(), c.resource(), ORIGIN, c.order()));
      for (ValidationMessage m : res.errors()) errors.add(new ValidationMessage(m.level(), m.code(), m.resource(), ORIGIN, m.text()));
    }

    Set<String> referenced = referencedSecrets(configs);
    updateSecretInformers(referenced);
    List<TlsSecret> secrets = new ArrayList<>();
    for (var e : new java.util.TreeMap<>(secretInformers).entrySet()) {
      for (Secret s : e.getValue().getStore().list()) {
        ConfigParser.Result res = ConfigParser.parse("kubernetes", json(s), 0);
        for (TlsSecret t : res.secrets()) secrets.add(new TlsSecret(t.namespace(), t.name(), t.certChain(), t.privateKey(), t.caCert(), ORIGIN));
        for (ValidationMessage m : res.errors()) errors.add(new ValidationMessage(m.level(), m.code(), m.resource(), ORIGIN, m.text()));
      }
    }

    List<io.minimesh.pilot.model.Service> registry = new ArrayList<>();
    Map<String, Service> byKey = new HashMap<>();
    List<Service> svcs = new ArrayList<>(services.getStore().list());
    svcs.sort(Comparator.comparing(s -> s.getMetadata().getNamespace() + "/" + s.getMetadata().getName()));
    for (Service s : svcs) {
      if (!wanted.test(s)) continue;
      io.minimesh.pilot.model.Service m = KubeRegistry.service(s, options.clusterDomain());
      if (m == null) continue;
      registry.add(m);
      byKey.put(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), s);
    }
    List<WorkloadInstance> instances = new ArrayList<>();
    List<EndpointSlice> sliceList = new ArrayList<>(slices.getStore().list());
    sliceList.sort(Comparator.comparing(s -> s.getMetadata().getNamespace() + "/" + s.getMetadata().getName()));
    for (EndpointSlice slice : sliceList) {
      Map<String, String> l = slice.getMetadata().getLabels();
      String svcName = l == null ? null : l.get(KubeRegistry.SERVICE_NAME_LABEL);
      if (svcName == null) continue;
      Service svc = byKey.get(slice.getMetadata().getNamespace() + "/" + svcName);
      if (svc == null) continue;
      instances.addAll(KubeRegistry.instances(slice, svc, options.clusterDomain(),
          key -> pods.getStore().getByKey(key), name -> nodes == null ? null : nodes.getStore().getByKey(name)));
    }
    for (Service s : svcs) {
      // ExternalName: one DNS endpoint, the external name, on every port.
      if (!"ExternalName".equals(s.getSpec().getType()) || !byKey.containsKey(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName())) continue;
      String ns = s.getMetadata().getNamespace();
      instances.add(new WorkloadInstance(KubeRegistry.hostname(s.getMetadata().getName(), ns, options.clusterDomain()), ns,
          s.getSpec().getExternalName(), Map.of(), Map.of(), "", 1, "", true,
          new io.minimesh.pilot.config.ConfigKey("Service", ns, s.getMetadata().getName())));
    }
    return new MeshSnapshot(configs, secrets, registry, KubeRegistry.dedupe(instances), errors);
  }

  /**
   * namespace/name of every Secret a Gateway server names in tls.credentialName (Gateway's namespace),
   * plus {@code <name>-cacert} for MUTUAL servers.
   */
  static Set<String> referencedSecrets(List<ConfigResource> configs) {
    Set<String> out = new TreeSet<>();
    for (ConfigResource c : configs) {
      if (!c.kind().equals("Gateway")) continue;
      GatewaySpec gs = c.spec(GatewaySpec.class);
      if (gs == null || gs.servers == null) continue;
      for (var s : gs.servers) {
        if (s.tls == null || "PASSTHROUGH".equals(s.tls.mode) || "AUTO_PASSTHROUGH".equals(s.tls.mode)) continue;
        List<String> names = new ArrayList<>();
        if (s.tls.credentialName != null) names.add(s.tls.credentialName);
        if (s.tls.credentialNames != null) names.addAll(s.tls.credentialNames);
        for (String n : names) {
          if (n == null || n.isBlank()) continue;
          out.add(c.namespace() + "/" + n);
          // MUTUAL may keep the client CA in a separate "<name>-cacert" Secret, as in Istio.
          if ("MUTUAL".equals(s.tls.mode)) out.add(c.namespace() + "/" + n + "-cacert");
        }
      }
    }
    return out;
  }

  /** Starts informers for newly referenced Secrets and stops those no Gateway names any more. */
  private void updateSecretInformers(Set<String> referenced) {
    for (var it = secretInformers.entrySet().iterator(); it.hasNext();) {
      var e = it.next();
      if (!referenced.contains(e.getKey())) {
        e.getValue().stop();
        it.remove();
      }
    }
    for (String key : referenced) {
      if (secretInformers.containsKey(key)) continue;
      String[] nn = key.split("/", 2);
      // A single-name informer (fieldSelector metadata.name): pilot never lists other Secrets.
      SharedIndexInformer<Secret> inf = client.secrets().inNamespace(nn[0]).withName(nn[1]).runnableInformer(0);
      inf.addEventHandler(handler());
      secretInformers.put(key, inf);
      // Not awaited: the executor must not block on the API server; the informer's add event rebuilds.
      inf.start().whenComplete((v, ex) -> {
        if (ex != null) LOG.warn("cannot watch Secret {}: {}", key, ex.toString());
      });
    }
  }

  /** namespace/name of the Secrets pilot currently watches (tests, /debug). */
  public Set<String> watchedSecrets() {
    try {
      return executor.submit(() -> Set.copyOf(secretInformers.keySet())).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Labels of a namespace from the informer cache (null when unknown): the webhook needs them. */
  public Map<String, String> namespaceLabels(String namespace) {
    if (namespaces == null) return null;
    Namespace n = namespaces.getStore().getByKey(namespace);
    return n == null ? null : n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
  }

  /**
   * The fields the parser reads, nothing else: server-set metadata (managedFields, uid …) and status have
   * no place in validation.
   */
  private String json(GenericKubernetesResource r) {
    Map<String, Object> doc = new java.util.LinkedHashMap<>();
    doc.put("apiVersion", r.getApiVersion());
    doc.put("kind", r.getKind());
    doc.put("metadata", meta(r.getMetadata()));
    Object spec = r.getAdditionalProperties().get("spec");
    if (spec != null) doc.put("spec", spec);
    return serialization.asJson(doc);
  }

  private String json(Secret s) {
    Map<String, Object> doc = new java.util.LinkedHashMap<>();
    doc.put("apiVersion", "v1");
    doc.put("kind", "Secret");
    doc.put("metadata", meta(s.getMetadata()));
    if (s.getType() != null) doc.put("type", s.getType());
    if (s.getData() != null) doc.put("data", s.getData());
    if (s.getStringData() != null) doc.put("stringData", s.getStringData());
    return serialization.asJson(doc);
  }

  private static Map<String, Object> meta(io.fabric8.kubernetes.api.model.ObjectMeta m) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("name", m.getName());
    if (m.getNamespace() != null) out.put("namespace", m.getNamespace());
    if (m.getLabels() != null && !m.getLabels().isEmpty()) out.put("labels", m.getLabels());
    if (m.getAnnotations() != null && !m.getAnnotations().isEmpty()) out.put("annotations", m.getAnnotations());
    return out;
  }

  @Override
  public boolean synced() {
    return synced && informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    for (var i : informers) i.stop();
    for (var i : secretInformers.values()) i.stop();
  }
}
