package io.minimesh.pilot.model;

import io.fabric8.kubernetes.client.CustomResource;
import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.istio.GatewaySpec;
import io.minimesh.api.istio.IstioYaml;
import io.minimesh.api.istio.ServiceEntrySpec;
import io.minimesh.api.istio.SidecarSpec;
import io.minimesh.api.istio.VirtualServiceSpec;
import io.minimesh.api.istio.WorkloadEntrySpec;
import io.minimesh.pilot.config.ConfigKey;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.config.MeshSnapshot;
import io.minimesh.pilot.config.TlsSecret;
import io.minimesh.pilot.validation.Codes;
import io.minimesh.pilot.validation.ValidationMessage;
import io.minimesh.pilot.validation.Validator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The validated, indexed view of one {@link MeshSnapshot}: what translation reads. Immutable apart from
 * a memo cache of generated resources keyed by their inputs (so a resource is built and serialized once
 * per push, however many proxies receive it).
 */
public final class PushContext {
  public static final String ROOT_NAMESPACE = "istio-system";

  private final List<ConfigResource> gateways;
  private final List<ConfigResource> virtualServices;
  private final List<ConfigResource> destinationRules;
  private final List<ConfigResource> sidecars;
  private final List<ConfigResource> localRateLimits;
  private final Map<String, List<Service>> servicesByHost;
  private final Map<String, List<WorkloadInstance>> instancesByHost;
  private final Map<ConfigKey, TlsSecret> secrets;
  private final Map<ConfigKey, String> certProblems;
  private final Map<ConfigKey, String> caProblems;
  private final Set<String> unservedServers;
  private final List<ValidationMessage> messages;
  private final int rejected;
  private final String configHash;
  private final String endpointHash;
  private final Map<Object, Object> cache = new ConcurrentHashMap<>();
  /** By resource object (identity): read-only once built. */
  private final Map<Object, Derived> derived;
  /** Indexes of destinationRules by their host as written and as resolved; wildcard hosts apart. */
  private final Map<String, List<Integer>> drsByHost = new HashMap<>();
  private final List<Integer> wildcardDrs = new ArrayList<>();
  private final Map<List<String>, Optional<ConfigResource>> drLookups = new ConcurrentHashMap<>();

  private PushContext(Builder b) {
    this.gateways = List.copyOf(b.byKind.getOrDefault("Gateway", List.of()));
    this.virtualServices = List.copyOf(b.byKind.getOrDefault("VirtualService", List.of()));
    this.destinationRules = List.copyOf(b.byKind.getOrDefault("DestinationRule", List.of()));
    this.sidecars = List.copyOf(b.byKind.getOrDefault("Sidecar", List.of()));
    this.localRateLimits = List.copyOf(b.byKind.getOrDefault("LocalRateLimit", List.of()));
    this.servicesByHost = Collections.unmodifiableMap(b.services);
    this.instancesByHost = Collections.unmodifiableMap(b.instances);
    this.secrets = Map.copyOf(b.secrets);
    this.certProblems = Map.copyOf(b.certProblems);
    this.caProblems = Map.copyOf(b.caProblems);
    this.unservedServers = Set.copyOf(b.unservedServers);
    this.messages = List.copyOf(b.messages);
    this.rejected = b.rejected;
    this.configHash = b.configHash;
    this.endpointHash = b.endpointHash;
    this.derived = b.derived;
    for (int i = 0; i < destinationRules.size(); i++) {
      ConfigResource d = destinationRules.get(i);
      DestinationRuleSpec ds = d.spec(DestinationRuleSpec.class);
      String h = Hosts.resolve(ds.host, d.namespace());
      drsByHost.computeIfAbsent(h, k -> new ArrayList<>()).add(i);
      if (!ds.host.equals(h)) drsByHost.computeIfAbsent(ds.host, k -> new ArrayList<>()).add(i);
      if (h.startsWith("*")) wildcardDrs.add(i);
    }
  }

  public static PushContext empty() {
    return build(MeshSnapshot.empty());
  }

  /** Validates every resource of the snapshot, builds the registry and analyses references. */
  public static PushContext build(MeshSnapshot snap) {
    return build(snap, java.time.Clock.systemUTC(), null);
  }

  /**
   * As {@link #build(MeshSnapshot)}, reusing what {@code previous} derived (validation, content digests)
   * from resource objects the new snapshot still holds: sources hand over unchanged resources as the same
   * objects and never mutate them, so an edit of one file costs one validation, not thousands.
   */
  public static PushContext build(MeshSnapshot snap, PushContext previous) {
    return build(snap, java.time.Clock.systemUTC(), previous);
  }

  /** As {@link #build(MeshSnapshot)}; the clock decides which certificates have expired. */
  public static PushContext build(MeshSnapshot snap, java.time.Clock clock) {
    return build(snap, clock, null);
  }

  private static PushContext build(MeshSnapshot snap, java.time.Clock clock, PushContext previous) {
    Builder b = new Builder();
    Map<Object, Derived> reuse = previous == null ? Map.of() : previous.derived;
    b.now = clock.instant();
    b.messages.addAll(snap.sourceErrors());
    b.rejected += (int) snap.sourceErrors().stream().filter(m -> m.level() == ValidationMessage.Level.Error).count();
    // Validate, drop duplicates (the first definition wins, as kubectl would refuse the second).
    List<ConfigResource> sorted = new ArrayList<>(snap.configs());
    sorted.sort(Comparator.comparingLong(ConfigResource::order));
    Set<ConfigKey> seen = new HashSet<>();
    for (ConfigResource r : sorted) {
      if (!seen.add(r.key())) {
        b.messages.add(ValidationMessage.error(Codes.DUPLICATE, r.key(), r.origin(), "duplicate resource (first definition wins)"));
        b.rejected++;
        continue;
      }
      Derived d = reuse.get(r.resource());
      if (d == null || !d.key().equals(r.key()) || !d.origin().equals(r.origin())) {
        d = new Derived(r.key(), r.origin(), Validator.validate(r), digest(r));
      }
      b.derived.put(r.resource(), d);
      List<ValidationMessage> errs = d.errors();
      b.messages.addAll(errs);
      if (errs.stream().anyMatch(m -> m.level() == ValidationMessage.Level.Error)) {
        b.rejected++;
        continue;
      }
      b.byKind.computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r);
    }
    for (TlsSecret s : snap.secrets()) {
      Certificates.Checked c = Certificates.check(s, b.now);
      b.secrets.put(s.key(), c.secret());
      boolean caOnly = s.certChain() == null && s.privateKey() == null && s.caCert() != null;
      if (c.certProblem() != null) {
        b.certProblems.put(s.key(), c.certProblem());
        if (!caOnly) b.messages.add(ValidationMessage.error(Codes.INVALID_CERTIFICATE, s.key(), s.origin(), c.certProblem()));
      }
      if (c.caProblem() != null) {
        b.caProblems.put(s.key(), c.caProblem());
        b.messages.add(ValidationMessage.error(Codes.INVALID_CERTIFICATE, s.key(), s.origin(), c.caProblem()));
      }
    }
    buildRegistry(b, snap);
    analyzeReferences(b);
    b.configHash = hash(b, false, snap);
    b.endpointHash = hash(b, true, snap);
    return new PushContext(b);
  }

  private static void buildRegistry(Builder b, MeshSnapshot snap) {
    for (Service s : snap.platformServices()) b.services.computeIfAbsent(s.hostname(), k -> new ArrayList<>()).add(s);
    for (WorkloadInstance i : snap.platformInstances()) b.instances.computeIfAbsent(i.serviceHost(), k -> new ArrayList<>()).add(i);
    WorkloadEntryIndex wes = new WorkloadEntryIndex(b.byKind.getOrDefault("WorkloadEntry", List.of()));
    for (ConfigResource r : b.byKind.getOrDefault("ServiceEntry", List.of())) {
      ServiceEntrySpec se = r.spec(ServiceEntrySpec.class);
      List<ServicePort> ports = new ArrayList<>();
      for (var p : se.ports) {
        ports.add(new ServicePort(p.name, p.number, Protocols.normalize(p.protocol, p.name), p.targetPort == null ? 0 : p.targetPort));
      }
      Service.Resolution res = se.resolution == null ? Service.Resolution.NONE : Service.Resolution.valueOf(se.resolution);
      Map<String, String> selector = se.workloadSelector == null ? null : se.workloadSelector.labels == null ? Map.of() : se.workloadSelector.labels;
      for (String h : se.hosts) {
        Service svc = new Service(h, r.namespace(), se.addresses == null ? List.of() : se.addresses, ports, res,
            !"MESH_INTERNAL".equals(se.location), se.exportTo == null ? List.of() : se.exportTo, selector, r.key());
        List<Service> list = b.services.computeIfAbsent(h, k -> new ArrayList<>());
        if (!list.isEmpty() && list.stream().anyMatch(o -> o.namespace().equals(r.namespace()))) {
          b.messages.add(ValidationMessage.warning(Codes.CONFLICTING_HOST, r.key(), r.origin(),
              "host \"" + h + "\" is already defined by " + list.get(0).source() + "; endpoints are merged, ports of the first win"));
        }
        list.add(svc);
        List<WorkloadInstance> inst = b.instances.computeIfAbsent(h, k -> new ArrayList<>());
        if (se.endpoints != null) {
          for (WorkloadEntrySpec e : se.endpoints) inst.add(instance(h, r.namespace(), e, r.key()));
        }
        if (selector != null) {
          for (WorkloadEntryIndex.Entry w : wes.candidates(r.namespace(), selector)) {
            if (Labels.subsetOf(selector, w.labels())) {
              inst.add(instance(h, r.namespace(), copyWithLabels(w.spec(), w.labels()), w.resource().key()));
            }
          }
        }
      }
    }
  }

  /**
   * WorkloadEntries by namespace and by each of their labels, with metadata and spec labels merged once:
   * a ServiceEntry selector then looks at the entries carrying one of its labels, not at every entry of
   * the mesh (1000 services × 2000 entries was most of a push at scale). Lists keep definition order,
   * so endpoints come out in the same order as a full scan.
   */
  private static final class WorkloadEntryIndex {
    record Entry(ConfigResource resource, WorkloadEntrySpec spec, Map<String, String> labels) {}

    private final Map<String, List<Entry>> byNamespace = new HashMap<>();
    private final Map<String, Map<String, Map<String, List<Entry>>>> byLabel = new HashMap<>();

    WorkloadEntryIndex(List<ConfigResource> wes) {
      for (ConfigResource w : wes) {
        WorkloadEntrySpec we = w.spec(WorkloadEntrySpec.class);
        Map<String, String> labels = new HashMap<>(w.labels());
        if (we.labels != null) labels.putAll(we.labels);
        Entry e = new Entry(w, we, labels);
        byNamespace.computeIfAbsent(w.namespace(), k -> new ArrayList<>()).add(e);
        Map<String, Map<String, List<Entry>>> nsIndex = byLabel.computeIfAbsent(w.namespace(), k -> new HashMap<>());
        labels.forEach((k, v) -> nsIndex.computeIfAbsent(k, x -> new HashMap<>()).computeIfAbsent(v, x -> new ArrayList<>()).add(e));
      }
    }

    /** Entries of the namespace that may match the selector: those with its first label, or all for an empty one. */
    List<Entry> candidates(String ns, Map<String, String> selector) {
      if (selector.isEmpty()) return byNamespace.getOrDefault(ns, List.of());
      var first = selector.entrySet().iterator().next();
      return byLabel.getOrDefault(ns, Map.of()).getOrDefault(first.getKey(), Map.of()).getOrDefault(first.getValue(), List.of());
    }
  }

  private static WorkloadEntrySpec copyWithLabels(WorkloadEntrySpec we, Map<String, String> labels) {
    WorkloadEntrySpec c = new WorkloadEntrySpec();
    c.address = we.address;
    c.ports = we.ports;
    c.labels = labels;
    c.network = we.network;
    c.locality = we.locality;
    c.weight = we.weight;
    c.serviceAccount = we.serviceAccount;
    return c;
  }

  private static WorkloadInstance instance(String host, String ns, WorkloadEntrySpec e, ConfigKey src) {
    return new WorkloadInstance(host, ns, e.address, e.ports == null ? Map.of() : e.ports,
        e.labels == null ? Map.of() : e.labels,
        e.locality != null && !e.locality.isEmpty() ? e.locality : Localities.fromLabels(e.labels == null ? Map.of() : e.labels), e.weight == null || e.weight == 0 ? 1 : e.weight,
        e.network, true, src);
  }

  private static void analyzeReferences(Builder b) {
    Set<String> gatewayNames = new HashSet<>();
    for (ConfigResource g : b.byKind.getOrDefault("Gateway", List.of())) {
      gatewayNames.add(g.namespace() + "/" + g.name());
      GatewaySpec gs = g.spec(GatewaySpec.class);
      for (int i = 0; i < gs.servers.size(); i++) {
        String problem = serverSecretProblem(b, g.namespace(), gs.servers.get(i));
        if (problem != null) {
          b.unservedServers.add(g.key() + "#" + i);
          String code = problem.contains("not found") ? Codes.SECRET_NOT_FOUND : Codes.INVALID_CERTIFICATE;
          b.messages.add(ValidationMessage.error(code, g.key(), g.origin(),
              "spec.servers[" + i + "].tls.credentialName: " + problem + " (server not served)"));
        }
      }
    }
    Map<String, Set<String>> subsets = new HashMap<>();
    for (ConfigResource d : b.byKind.getOrDefault("DestinationRule", List.of())) {
      DestinationRuleSpec ds = d.spec(DestinationRuleSpec.class);
      Set<String> names = subsets.computeIfAbsent(Hosts.resolve(ds.host, d.namespace()), k -> new HashSet<>());
      if (ds.subsets != null) ds.subsets.forEach(s -> names.add(s.name));
    }
    for (ConfigResource v : b.byKind.getOrDefault("VirtualService", List.of())) {
      VirtualServiceSpec vs = v.spec(VirtualServiceSpec.class);
      if (vs.gateways != null) {
        for (String g : vs.gateways) {
          if (g.equals("mesh")) continue;
          String full = g.contains("/") ? g : v.namespace() + "/" + g;
          if (!gatewayNames.contains(full)) {
            b.messages.add(ValidationMessage.error(Codes.GATEWAY_NOT_FOUND, v.key(), v.origin(), "referenced gateway not found: \"" + g + "\""));
          }
        }
      }
      List<io.minimesh.api.istio.Destination> dests = new ArrayList<>();
      if (vs.http != null) for (var h : vs.http) {
        if (h.route != null) h.route.forEach(d -> dests.add(d.destination));
        if (h.mirror != null) dests.add(h.mirror);
        if (h.mirrors != null) h.mirrors.forEach(m -> dests.add(m.destination));
      }
      if (vs.tcp != null) vs.tcp.forEach(t -> t.route.forEach(d -> dests.add(d.destination)));
      if (vs.tls != null) vs.tls.forEach(t -> t.route.forEach(d -> dests.add(d.destination)));
      Set<String> reported = new HashSet<>();
      for (var d : dests) {
        if (d == null || d.host == null) continue;
        String fq = Hosts.resolve(d.host, v.namespace());
        if (lookup(b.services, d.host, v.namespace()) == null) {
          if (reported.add(d.host)) b.messages.add(ValidationMessage.error(Codes.HOST_NOT_FOUND, v.key(), v.origin(), "referenced host not found: \"" + d.host + "\""));
        } else if (d.subset != null && !subsets.getOrDefault(fq, Set.of()).contains(d.subset)
            && !subsets.getOrDefault(d.host, Set.of()).contains(d.subset)) {
          if (reported.add(d.host + "|" + d.subset)) b.messages.add(ValidationMessage.error(Codes.SUBSET_NOT_FOUND, v.key(), v.origin(), "referenced host+subset in destinationrule not found: \"" + d.host + "+" + d.subset + "\""));
        }
      }
    }
  }

  /** Why a terminating server cannot be served with its credentialName, or null. */
  private static String serverSecretProblem(Builder b, String ns, GatewaySpec.Server server) {
    var t = server.tls;
    if (t == null || t.credentialName == null || t.mode == null) return null;
    boolean mutual = t.mode.equals("MUTUAL") || t.mode.equals("OPTIONAL_MUTUAL");
    if (!mutual && !t.mode.equals("SIMPLE")) return null;
    ConfigKey sk = new ConfigKey("Secret", ns, t.credentialName);
    String q = "\"" + t.credentialName + "\": ";
    if (!b.secrets.containsKey(sk)) return q + "secret " + ns + "/" + t.credentialName + " not found";
    String cp = b.certProblems.get(sk);
    if (cp != null) return q + "secret " + ns + "/" + t.credentialName + " is invalid: " + cp;
    if (mutual) {
      ConfigKey ck = new ConfigKey("Secret", ns, t.credentialName + "-cacert");
      if (b.secrets.containsKey(ck)) {
        TlsSecret ca = b.secrets.get(ck);
        if (b.caProblems.containsKey(ck)) return q + "secret " + ck.namespace() + "/" + ck.name() + " is invalid: " + b.caProblems.get(ck);
        if (ca.caCert() == null && ca.certChain() == null) return q + "secret " + ns + "/" + ck.name() + " has no ca.crt";
      } else {
        if (b.caProblems.containsKey(sk)) return q + "secret " + ns + "/" + t.credentialName + " is invalid: " + b.caProblems.get(sk);
        if (b.secrets.get(sk).caCert() == null) {
          return q + "mode " + t.mode + " needs a CA certificate: no ca.crt in secret " + ns + "/" + t.credentialName
              + " and secret " + ns + "/" + t.credentialName + "-cacert not found";
        }
      }
    }
    return null;
  }

  static List<Service> lookup(Map<String, List<Service>> services, String host, String ns) {
    List<Service> l = services.get(Hosts.resolve(host, ns));
    if (l == null) l = services.get(host);
    return l;
  }

  /**
   * Content hashes, to tell config from endpoint-only changes. From per-resource digests computed once per
   * resource object (serializing every spec on every build was most of a build at 1000 services).
   * Services and instances from ServiceEntries and WorkloadEntries follow from those resources' digests;
   * a platform registry's are hashed as they are.
   */
  private static String hash(Builder b, boolean endpoints, MeshSnapshot snap) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (var e : new java.util.TreeMap<>(b.byKind).entrySet()) {
        if (e.getKey().equals("WorkloadEntry") != endpoints) continue;
        for (ConfigResource r : e.getValue()) md.update(b.derived.get(r.resource()).digest());
      }
      if (endpoints) {
        for (WorkloadInstance i : snap.platformInstances()) md.update(i.toString().getBytes(StandardCharsets.UTF_8));
      } else {
        for (TlsSecret s : snap.secrets()) md.update(s.toString().getBytes(StandardCharsets.UTF_8));
        for (Service s : snap.platformServices()) md.update(s.toString().getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Digest of a resource's key and spec. */
  private static byte[] digest(ConfigResource r) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(r.key().toString().getBytes(StandardCharsets.UTF_8));
      md.update(new java.util.TreeMap<>(r.labels()).toString().getBytes(StandardCharsets.UTF_8)); // a WorkloadEntry's count
      md.update(IstioYaml.mapper().writer().writeValueAsBytes(((CustomResource<?, ?>) r.resource()).getSpec()));
      return md.digest();
    } catch (NoSuchAlgorithmException | java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a build derived from one resource object (see {@link #build(MeshSnapshot, PushContext)}). */
  private record Derived(ConfigKey key, io.minimesh.pilot.config.Origin origin, List<ValidationMessage> errors, byte[] digest) {}

  // ---- queries ----

  public List<ConfigResource> gateways() {
    return gateways;
  }

  public List<ConfigResource> virtualServices() {
    return virtualServices;
  }

  public List<ConfigResource> destinationRules() {
    return destinationRules;
  }

  public List<ConfigResource> sidecars() {
    return sidecars;
  }

  /** Minimesh LocalRateLimit resources (valid ones), oldest first. */
  public List<ConfigResource> localRateLimits() {
    return localRateLimits;
  }

  /** All services, sorted by host then namespace. */
  public List<Service> services() {
    List<Service> all = new ArrayList<>();
    new java.util.TreeMap<>(servicesByHost).values().forEach(all::addAll);
    return all;
  }

  /** The service a destination host names, seen from namespace ns (own namespace first). */
  public Service service(String host, String ns) {
    List<Service> l = lookup(servicesByHost, host, ns);
    if (l == null) return null;
    for (Service s : l) if (s.namespace().equals(ns)) return s;
    for (Service s : l) if (s.visibleFrom(ns)) return s;
    return null;
  }

  public List<WorkloadInstance> instances(String host) {
    return instancesByHost.getOrDefault(host, List.of());
  }

  public Map<String, List<WorkloadInstance>> allInstances() {
    return instancesByHost;
  }

  /** The secret as a certificate + key (key as PKCS#8), or null if absent or unusable as such. */
  public TlsSecret secret(String ns, String name) {
    ConfigKey k = new ConfigKey("Secret", ns, name);
    return certProblems.containsKey(k) ? null : secrets.get(k);
  }

  /**
   * CA certificates for validating peers of credential {@code name}: the {@code <name>-cacert} secret
   * (its ca.crt, else its tls.crt) when it exists, else the ca.crt of the secret itself (Istio's order).
   */
  public String caCert(String ns, String name) {
    ConfigKey ck = new ConfigKey("Secret", ns, name + "-cacert");
    TlsSecret ca = secrets.get(ck);
    if (ca != null) return caProblems.containsKey(ck) ? null : ca.caCert() != null ? ca.caCert() : ca.certChain();
    ConfigKey k = new ConfigKey("Secret", ns, name);
    TlsSecret s = secrets.get(k);
    return s == null || caProblems.containsKey(k) ? null : s.caCert();
  }

  /** False for a Gateway server whose certificate secret is missing or invalid (reported; not pushed). */
  public boolean served(ConfigResource gateway, int serverIndex) {
    return !unservedServers.contains(gateway.key() + "#" + serverIndex);
  }

  /** The DestinationRule for a service host as seen from proxyNs (proxy ns, then service ns, then root). */
  public ConfigResource destinationRule(String host, String proxyNs, String serviceNs) {
    // Asked for every cluster of every proxy: answered once per (host, proxy ns, service ns) per context.
    return drLookups.computeIfAbsent(List.of(host, proxyNs, serviceNs), k -> Optional.ofNullable(findDestinationRule(host, proxyNs, serviceNs)))
        .orElse(null);
  }

  private ConfigResource findDestinationRule(String host, String proxyNs, String serviceNs) {
    // Only rules naming the host exactly, or with a wildcard host, can apply; the first best-ranked
    // rule in definition order wins, as in a scan of all rules.
    List<Integer> candidates = new ArrayList<>(drsByHost.getOrDefault(host, List.of()));
    candidates.addAll(wildcardDrs);
    Collections.sort(candidates);
    ConfigResource best = null;
    int bestRank = Integer.MAX_VALUE;
    int last = -1;
    for (int i : candidates) {
      if (i == last) continue;
      last = i;
      ConfigResource d = destinationRules.get(i);
      DestinationRuleSpec ds = d.spec(DestinationRuleSpec.class);
      String h = Hosts.resolve(ds.host, d.namespace());
      boolean exact = h.equals(host) || ds.host.equals(host);
      if (!exact && !Hosts.covers(h, host)) continue;
      if (!Visibility.visible(ds.exportTo, d.namespace(), proxyNs)) continue;
      if (ds.workloadSelector != null) continue; // workload-scoped rules are for the selected sidecars only
      int rank = (d.namespace().equals(proxyNs) ? 0 : d.namespace().equals(serviceNs) ? 10 : d.namespace().equals(ROOT_NAMESPACE) ? 20 : 30) + (exact ? 0 : 5);
      if (rank < bestRank) {
        best = d;
        bestRank = rank;
      }
    }
    return best;
  }

  public List<ValidationMessage> messages() {
    return messages;
  }

  /** Number of resources (or documents) rejected. */
  public int rejected() {
    return rejected;
  }

  public String configHash() {
    return configHash;
  }

  public String endpointHash() {
    return endpointHash;
  }

  /** Whether {@link #cached} holds a value for the key (a lookup, nothing is built). */
  public boolean isCached(Object key) {
    return cache.containsKey(key);
  }

  /** Memoizes a generated value by its inputs for the life of this context. */
  @SuppressWarnings("unchecked")
  public <T> T cached(Object key, Supplier<T> build) {
    Object v = cache.get(key);
    if (v == null) {
      v = build.get();
      Object prev = cache.putIfAbsent(key, v);
      if (prev != null) v = prev;
    }
    return (T) v;
  }

  private static final class Builder {
    final Map<String, List<ConfigResource>> byKind = new LinkedHashMap<>();
    final Map<Object, Derived> derived = new java.util.IdentityHashMap<>();
    final Map<String, List<Service>> services = new HashMap<>();
    final Map<String, List<WorkloadInstance>> instances = new HashMap<>();
    final Map<ConfigKey, TlsSecret> secrets = new HashMap<>();
    final Map<ConfigKey, String> certProblems = new HashMap<>();
    final Map<ConfigKey, String> caProblems = new HashMap<>();
    final Set<String> unservedServers = new HashSet<>();
    java.time.Instant now;
    final List<ValidationMessage> messages = new ArrayList<>();
    int rejected;
    String configHash;
    String endpointHash;
  }
}
