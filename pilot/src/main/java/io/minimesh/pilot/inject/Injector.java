package io.minimesh.pilot.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Sidecar injection: decides whether a pod gets a proxy (annotations/labels of the pod, labels of its
 * namespace, as Istio does) and adds it: the {@code minimesh-init} container (capture rules via
 * {@code pilot-agent iptables}) and the {@code minimesh-proxy} container ({@code pilot-agent proxy
 * sidecar}), or for {@code inject.istio.io/templates: gateway} a router proxy without capture. Used by
 * pilot's mutating webhook and by {@code meshctl kube-inject}. Pure: inputs are never modified.
 */
public final class Injector {
  public static final String STATUS_ANNOTATION = "sidecar.minimesh.io/status";
  public static final String INJECT_KEY = "sidecar.minimesh.io/inject";
  public static final String ISTIO_INJECT_KEY = "sidecar.istio.io/inject";
  public static final String NAMESPACE_LABEL = "minimesh-injection";
  public static final String ISTIO_NAMESPACE_LABEL = "istio-injection";
  public static final String TEMPLATES_ANNOTATION = "inject.istio.io/templates";
  public static final String PROXY_CONTAINER = "minimesh-proxy";
  public static final String INIT_CONTAINER = "minimesh-init";
  /** The agent port serving rewritten application probes ({@code /app-health/<container>/livez}). */
  public static final int APP_PROBE_PORT = 15020;
  public static final int STATUS_PORT = 15021;
  public static final int PROMETHEUS_PORT = 15090;
  public static final String APP_PROBERS_ENV = "MINIMESH_KUBE_APP_PROBERS";

  private static final Set<String> SYSTEM_NAMESPACES = Set.of("kube-system", "kube-public", "kube-node-lease");
  private static final Pattern QUANTITY = Pattern.compile("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?");
  private static final Pattern PORT_LIST = Pattern.compile("\\s*\\d{1,5}\\s*(,\\s*\\d{1,5}\\s*)*");
  private static final Pattern CIDR_LIST = Pattern.compile(
      "\\s*\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?\\s*(,\\s*\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?\\s*)*");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** How the opt-in rules apply. */
  public enum Policy {
    /** The mutating webhook: only pods (or namespaces) that opt in. */
    WEBHOOK,
    /** {@code meshctl kube-inject}: every pod that does not opt out. */
    MANUAL
  }

  // ---------------------------------------------------------------- decision

  /**
   * Whether {@code pod} (in {@code namespace}, whose labels are {@code namespaceLabels}) is injected
   * under {@code policy}. The namespace argument wins over metadata.namespace, which admission requests
   * often leave empty.
   */
  public static Decision decide(ObjectMeta meta, PodSpec spec, String namespace,
      Map<String, String> namespaceLabels, Policy policy) {
    Map<String, String> labels = nonNull(meta == null ? null : meta.getLabels());
    Map<String, String> annotations = nonNull(meta == null ? null : meta.getAnnotations());
    Map<String, String> nsLabels = nonNull(namespaceLabels);
    if (spec != null && Boolean.TRUE.equals(spec.getHostNetwork())) return Decision.no("hostNetwork pod");
    if (alreadyInjected(annotations, spec)) return Decision.no("already injected");
    if (namespace != null && SYSTEM_NAMESPACES.contains(namespace)) {
      return Decision.no("namespace " + namespace + " is never injected");
    }
    String explicitKey = null;
    Boolean explicit = null;
    for (String key : List.of(INJECT_KEY, ISTIO_INJECT_KEY)) {
      String v = labels.containsKey(key) ? labels.get(key) : annotations.get(key);
      if (v != null) {
        explicitKey = (labels.containsKey(key) ? "label " : "annotation ") + key + "=" + v;
        explicit = truthy(v);
        break;
      }
    }
    if (Boolean.FALSE.equals(explicit)) return Decision.no("pod opts out (" + explicitKey + ")");
    if (policy == Policy.MANUAL) {
      return Decision.yes(explicit != null ? "pod opts in (" + explicitKey + ")" : "manual injection");
    }
    for (String key : List.of(NAMESPACE_LABEL, ISTIO_NAMESPACE_LABEL)) {
      if ("disabled".equals(nsLabels.get(key))) {
        return Decision.no("namespace opts out (label " + key + "=disabled)");
      }
    }
    if (explicit != null) return Decision.yes("pod opts in (" + explicitKey + ")");
    if (templates(annotations).contains("gateway")) {
      return Decision.yes("gateway template (annotation " + TEMPLATES_ANNOTATION + ")");
    }
    for (String key : List.of(NAMESPACE_LABEL, ISTIO_NAMESPACE_LABEL)) {
      if ("enabled".equals(nsLabels.get(key))) return Decision.yes("namespace opts in (label " + key + "=enabled)");
    }
    // Istio's revision label selects a control plane; Minimesh has one, so any revision means "inject".
    if (!nsLabels.containsKey(NAMESPACE_LABEL) && !nsLabels.containsKey(ISTIO_NAMESPACE_LABEL)
        && nsLabels.get("istio.io/rev") != null) {
      return Decision.yes("namespace opts in (label istio.io/rev=" + nsLabels.get("istio.io/rev") + ")");
    }
    return Decision.no("neither the pod nor its namespace opts in");
  }

  public static Decision decide(Pod pod, Map<String, String> namespaceLabels) {
    return decide(pod.getMetadata(), pod.getSpec(), namespaceOf(pod, null), namespaceLabels, Policy.WEBHOOK);
  }

  // ---------------------------------------------------------------- injection

  /**
   * What the webhook does: a copy of {@code pod} with the proxy added when the rules say so, else an
   * unchanged copy. Throws {@link InjectionException} when a pod's annotation is malformed.
   */
  public static Pod inject(Pod pod, Map<String, String> namespaceLabels, InjectionConfig config) {
    return inject(pod, namespaceOf(pod, null), namespaceLabels, config, Policy.WEBHOOK);
  }

  /** {@link #inject(Pod, Map, InjectionConfig)} with an explicit namespace and policy. */
  public static Pod inject(Pod pod, String namespace, Map<String, String> namespaceLabels,
      InjectionConfig config, Policy policy) {
    Pod copy = SERIALIZATION.clone(pod);
    if (copy.getMetadata() == null) copy.setMetadata(new ObjectMeta());
    if (copy.getSpec() == null) copy.setSpec(new PodSpec());
    Decision d = decide(copy.getMetadata(), copy.getSpec(), namespace, namespaceLabels, policy);
    if (d.inject()) apply(copy.getMetadata(), copy.getSpec(), config);
    return copy;
  }

  /** {@code meshctl kube-inject}: injects a workload's pod template unless it opts out. */
  public static PodTemplateSpec inject(PodTemplateSpec template, String namespace, InjectionConfig config) {
    PodTemplateSpec copy = SERIALIZATION.clone(template);
    if (copy.getMetadata() == null) copy.setMetadata(new ObjectMeta());
    if (copy.getSpec() == null) copy.setSpec(new PodSpec());
    Decision d = decide(copy.getMetadata(), copy.getSpec(), namespace, Map.of(), Policy.MANUAL);
    if (d.inject()) apply(copy.getMetadata(), copy.getSpec(), config);
    return copy;
  }

  /** Adds the proxy to meta/spec in place, whatever the opt-in rules say. */
  static void apply(ObjectMeta meta, PodSpec spec, InjectionConfig config) {
    String who = "pod " + podName(meta);
    Map<String, String> annotations = new LinkedHashMap<>(nonNull(meta.getAnnotations()));
    Map<String, String> labels = new LinkedHashMap<>(nonNull(meta.getLabels()));
    Overrides o = Overrides.read(who, annotations, config);
    boolean router = templates(annotations).contains("gateway");

    List<Container> containers = new ArrayList<>(nonNull(spec.getContainers()));
    String firstApp = containers.stream().map(Container::getName)
        .filter(n -> !n.equals(PROXY_CONTAINER) && !n.equals("istio-proxy")).findFirst().orElse(null);

    Map<String, JsonNode> probers = new TreeMap<>();
    if (!router && o.rewriteProbes) {
      for (Container c : containers) rewriteProbes(c, probers);
    }

    // A gateway Deployment names its proxy container (image "auto"), as Istio's gateway template does.
    Container existing = null;
    for (Container c : containers) {
      if (c.getName().equals("istio-proxy") || c.getName().equals(PROXY_CONTAINER)) existing = c;
    }
    if (existing != null) containers.remove(existing);
    labels.putIfAbsent("security.istio.io/tlsMode", "istio");
    Container proxy = proxyContainer(config, o, router, labels, probers, annotations, existing);
    if (o.hold && !router) containers.add(0, proxy);
    else containers.add(proxy);
    spec.setContainers(containers);

    List<String> inits = new ArrayList<>();
    if (!router) {
      List<Container> initContainers = new ArrayList<>(nonNull(spec.getInitContainers()));
      // First, as in Istio: later init containers already run with capture in place.
      initContainers.add(0, initContainer(config, o));
      spec.setInitContainers(initContainers);
      inits.add(INIT_CONTAINER);
    } else {
      // The router binds the Gateway's ports (80, 443) as a non-root user.
      PodSecurityContext psc = spec.getSecurityContext() == null ? new PodSecurityContext() : spec.getSecurityContext();
      List<Sysctl> sysctls = new ArrayList<>(nonNull(psc.getSysctls()));
      if (sysctls.stream().noneMatch(s -> "net.ipv4.ip_unprivileged_port_start".equals(s.getName()))) {
        sysctls.add(new Sysctl("net.ipv4.ip_unprivileged_port_start", "0"));
      }
      psc.setSysctls(sysctls);
      spec.setSecurityContext(psc);
    }

    annotations.putIfAbsent("prometheus.io/scrape", "true");
    annotations.putIfAbsent("prometheus.io/port", String.valueOf(APP_PROBE_PORT));
    annotations.putIfAbsent("prometheus.io/path", "/stats/prometheus");
    if (firstApp != null) annotations.putIfAbsent("kubectl.kubernetes.io/default-container", firstApp);
    ObjectNode status = JSON.createObjectNode();
    status.put("template", router ? "gateway" : "sidecar");
    ArrayNode ic = status.putArray("initContainers");
    inits.forEach(ic::add);
    status.putArray("containers").add(PROXY_CONTAINER);
    status.put("revision", config.revision());
    annotations.put(STATUS_ANNOTATION, status.toString());
    meta.setAnnotations(annotations);
    meta.setLabels(labels);
  }

  private static Container proxyContainer(InjectionConfig config, Overrides o, boolean router,
      Map<String, String> labels, Map<String, JsonNode> probers, Map<String, String> annotations,
      Container existing) {
    Container c = new Container();
    c.setName(PROXY_CONTAINER);
    c.setImage(o.image);
    c.setImagePullPolicy(config.imagePullPolicy());
    c.setCommand(config.agentCommand());
    List<String> args = new ArrayList<>(List.of("proxy", router ? "router" : "sidecar"));
    if (o.logLevel != null) args.addAll(List.of("--log-level", o.logLevel));
    c.setArgs(args);

    List<EnvVar> env = new ArrayList<>();
    env.add(fieldEnv("POD_NAME", "metadata.name"));
    env.add(fieldEnv("POD_NAMESPACE", "metadata.namespace"));
    env.add(fieldEnv("INSTANCE_IP", "status.podIP"));
    env.add(fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"));
    env.add(fieldEnv("HOST_IP", "status.hostIP"));
    env.add(new EnvVar("MINIMESH_DISCOVERY_ADDRESS", config.discoveryAddress(), null));
    env.add(new EnvVar("MINIMESH_METAJSON_LABELS", json(new TreeMap<>(labels)), null));
    String proxyConfig = annotations.containsKey("proxy.minimesh.io/config")
        ? annotations.get("proxy.minimesh.io/config") : annotations.get("proxy.istio.io/config");
    if (proxyConfig != null) env.add(new EnvVar("PROXY_CONFIG", proxyConfig, null));
    if (!probers.isEmpty()) env.add(new EnvVar(APP_PROBERS_ENV, json(probers), null));

    List<ContainerPort> ports = new ArrayList<>();
    ports.add(port("http-envoy-prom", PROMETHEUS_PORT));
    ports.add(port("status-port", STATUS_PORT));

    if (existing != null) {
      // Keep what a gateway Deployment declares on its proxy container (Service ports, extra env).
      for (ContainerPort p : nonNull(existing.getPorts())) {
        if (ports.stream().noneMatch(q -> q.getContainerPort().equals(p.getContainerPort()))) ports.add(p);
      }
      for (EnvVar e : nonNull(existing.getEnv())) {
        if (env.stream().noneMatch(x -> x.getName().equals(e.getName()))) env.add(e);
      }
      if (existing.getImage() != null && !existing.getImage().equals("auto") && !o.imageOverridden) {
        c.setImage(existing.getImage());
      }
      c.setVolumeMounts(existing.getVolumeMounts());
    }
    c.setEnv(env);
    c.setPorts(ports);

    Probe ready = new Probe();
    ready.setHttpGet(httpGet("/healthz/ready", STATUS_PORT));
    ready.setInitialDelaySeconds(1);
    ready.setPeriodSeconds(2);
    ready.setTimeoutSeconds(3);
    ready.setFailureThreshold(30);
    c.setReadinessProbe(ready);

    ResourceRequirements res = existing != null && existing.getResources() != null
        && !(nonNull(existing.getResources().getRequests()).isEmpty() && nonNull(existing.getResources().getLimits()).isEmpty())
        ? existing.getResources() : resources(o);
    c.setResources(res);

    SecurityContext sc = new SecurityContext();
    sc.setRunAsUser((long) config.proxyUid());
    sc.setRunAsGroup((long) config.proxyUid());
    sc.setRunAsNonRoot(true);
    sc.setAllowPrivilegeEscalation(false);
    sc.setPrivileged(false);
    sc.setCapabilities(new Capabilities(null, List.of("ALL")));
    c.setSecurityContext(sc);

    if (o.hold && !router) {
      List<String> wait = new ArrayList<>(config.agentCommand());
      wait.add("wait");
      LifecycleHandler h = new LifecycleHandler();
      h.setExec(new ExecAction(wait));
      Lifecycle l = new Lifecycle();
      l.setPostStart(h);
      c.setLifecycle(l);
    }
    return c;
  }

  private static Container initContainer(InjectionConfig config, Overrides o) {
    Container c = new Container();
    c.setName(INIT_CONTAINER);
    c.setImage(o.initImage);
    c.setImagePullPolicy(config.imagePullPolicy());
    c.setCommand(config.agentCommand());
    List<String> args = new ArrayList<>(List.of("iptables",
        "-p", "15001", "-z", "15006",
        "-u", String.valueOf(config.proxyUid()),
        "-m", "REDIRECT",
        "-i", o.includeOutboundIpRanges,
        "-b", o.includeInboundPorts,
        "-d", o.excludeInboundPorts));
    if (!o.excludeOutboundIpRanges.isEmpty()) args.addAll(List.of("-x", o.excludeOutboundIpRanges));
    if (!o.excludeOutboundPorts.isEmpty()) args.addAll(List.of("-o", o.excludeOutboundPorts));
    c.setArgs(args);
    c.setResources(resources(o));
    SecurityContext sc = new SecurityContext();
    sc.setRunAsUser(0L);
    sc.setRunAsGroup(0L);
    sc.setRunAsNonRoot(false);
    sc.setPrivileged(false);
    sc.setAllowPrivilegeEscalation(false);
    sc.setCapabilities(new Capabilities(List.of("NET_ADMIN", "NET_RAW"), List.of("ALL")));
    c.setSecurityContext(sc);
    return c;
  }

  private static ResourceRequirements resources(Overrides o) {
    ResourceRequirements r = new ResourceRequirements();
    Map<String, Quantity> req = new LinkedHashMap<>();
    Map<String, Quantity> lim = new LinkedHashMap<>();
    if (o.cpuRequest != null) req.put("cpu", new Quantity(o.cpuRequest));
    if (o.memoryRequest != null) req.put("memory", new Quantity(o.memoryRequest));
    if (o.cpuLimit != null) lim.put("cpu", new Quantity(o.cpuLimit));
    if (o.memoryLimit != null) lim.put("memory", new Quantity(o.memoryLimit));
    if (!req.isEmpty()) r.setRequests(req);
    if (!lim.isEmpty()) r.setLimits(lim);
    return r;
  }

  /** Points HTTP and TCP probes at the agent, which runs them as the proxy UID (not captured). */
  private static void rewriteProbes(Container c, Map<String, JsonNode> probers) {
    if (c.getName().equals(PROXY_CONTAINER) || c.getName().equals("istio-proxy")) return;
    c.setLivenessProbe(rewrite(c, c.getLivenessProbe(), "livez", probers));
    c.setReadinessProbe(rewrite(c, c.getReadinessProbe(), "readyz", probers));
    c.setStartupProbe(rewrite(c, c.getStartupProbe(), "startupz", probers));
  }

  private static Probe rewrite(Container c, Probe p, String kind, Map<String, JsonNode> probers) {
    if (p == null) return null;
    String path = "/app-health/" + c.getName() + "/" + kind;
    ObjectNode original = JSON.createObjectNode();
    if (p.getHttpGet() != null) {
      HTTPGetAction h = p.getHttpGet();
      Integer port = resolvePort(c, h.getPort());
      if (port == null) return p; // unknown named port: Kubernetes will report it; leave the probe alone
      ObjectNode g = original.putObject("httpGet");
      g.put("path", h.getPath() == null || h.getPath().isEmpty() ? "/" : h.getPath());
      g.put("port", port);
      if (h.getScheme() != null) g.put("scheme", h.getScheme());
      if (h.getHost() != null && !h.getHost().isEmpty()) g.put("host", h.getHost());
      if (h.getHttpHeaders() != null && !h.getHttpHeaders().isEmpty()) {
        ArrayNode hs = g.putArray("httpHeaders");
        h.getHttpHeaders().forEach(x -> hs.addObject().put("name", x.getName()).put("value", x.getValue()));
      }
    } else if (p.getTcpSocket() != null) {
      Integer port = resolvePort(c, p.getTcpSocket().getPort());
      if (port == null) return p;
      ObjectNode t = original.putObject("tcpSocket");
      t.put("port", port);
      if (p.getTcpSocket().getHost() != null && !p.getTcpSocket().getHost().isEmpty()) {
        t.put("host", p.getTcpSocket().getHost());
      }
    } else {
      return p; // exec and gRPC probes do not cross the capture
    }
    if (p.getTimeoutSeconds() != null) original.put("timeoutSeconds", p.getTimeoutSeconds());
    probers.put(path, original);
    Probe r = SERIALIZATION.clone(p);
    r.setTcpSocket(null);
    r.setHttpGet(httpGet(path, APP_PROBE_PORT));
    return r;
  }

  private static Integer resolvePort(Container c, IntOrString port) {
    if (port == null) return null;
    if (port.getIntVal() != null) return port.getIntVal();
    String name = port.getStrVal();
    if (name == null) return null;
    if (name.matches("\\d+")) return Integer.parseInt(name);
    for (ContainerPort p : nonNull(c.getPorts())) {
      if (name.equals(p.getName())) return p.getContainerPort();
    }
    return null;
  }

  // ---------------------------------------------------------------- per-pod overrides

  /** The effective settings for one pod: config defaults overridden by the pod's annotations. */
  private static final class Overrides {
    String image;
    String initImage;
    boolean imageOverridden;
    String cpuRequest;
    String memoryRequest;
    String cpuLimit;
    String memoryLimit;
    String logLevel;
    boolean hold;
    boolean rewriteProbes;
    String includeInboundPorts;
    String excludeInboundPorts;
    String excludeOutboundPorts;
    String includeOutboundIpRanges;
    String excludeOutboundIpRanges;

    static Overrides read(String who, Map<String, String> a, InjectionConfig config) {
      Overrides o = new Overrides();
      String image = sidecar(a, "proxyImage");
      o.imageOverridden = image != null;
      o.image = image != null ? image : config.proxyImage();
      o.initImage = image != null ? image : config.initImage();
      o.cpuRequest = quantity(who, a, "proxyCPU", config.cpuRequest());
      o.memoryRequest = quantity(who, a, "proxyMemory", config.memoryRequest());
      o.cpuLimit = quantity(who, a, "proxyCPULimit", config.cpuLimit());
      o.memoryLimit = quantity(who, a, "proxyMemoryLimit", config.memoryLimit());
      String level = sidecar(a, "logLevel");
      o.logLevel = level != null ? level : config.logLevel();
      String rewrite = sidecar(a, "rewriteAppHTTPProbers");
      o.rewriteProbes = rewrite != null ? truthy(rewrite) : config.rewriteAppProbes();
      o.hold = hold(who, a, config.holdApplicationUntilProxyStarts());

      String inc = traffic(a, "includeInboundPorts");
      if (inc != null && !inc.isBlank() && !inc.trim().equals("*")) checkPorts(who, "includeInboundPorts", inc);
      o.includeInboundPorts = inc != null ? inc.replace(" ", "") : config.includeInboundPorts();
      List<String> excludedIn = new ArrayList<>();
      config.excludeInboundPorts().forEach(p -> excludedIn.add(String.valueOf(p)));
      String exIn = traffic(a, "excludeInboundPorts");
      if (exIn != null && !exIn.isBlank()) {
        checkPorts(who, "excludeInboundPorts", exIn);
        for (String p : exIn.split(",")) if (!excludedIn.contains(p.trim())) excludedIn.add(p.trim());
      }
      o.excludeInboundPorts = String.join(",", excludedIn);
      List<String> excludedOut = new ArrayList<>();
      config.excludeOutboundPorts().forEach(p -> excludedOut.add(String.valueOf(p)));
      String exOut = traffic(a, "excludeOutboundPorts");
      if (exOut != null && !exOut.isBlank()) {
        checkPorts(who, "excludeOutboundPorts", exOut);
        for (String p : exOut.split(",")) if (!excludedOut.contains(p.trim())) excludedOut.add(p.trim());
      }
      o.excludeOutboundPorts = String.join(",", excludedOut);
      String incCidr = traffic(a, "includeOutboundIPRanges");
      if (incCidr != null && !incCidr.isBlank() && !incCidr.trim().equals("*")) checkCidrs(who, "includeOutboundIPRanges", incCidr);
      o.includeOutboundIpRanges = incCidr != null ? incCidr.replace(" ", "") : config.includeOutboundIpRanges();
      String exCidr = traffic(a, "excludeOutboundIPRanges");
      if (exCidr != null && !exCidr.isBlank()) checkCidrs(who, "excludeOutboundIPRanges", exCidr);
      o.excludeOutboundIpRanges = exCidr != null ? exCidr.replace(" ", "") : config.excludeOutboundIpRanges();
      return o;
    }

    private static boolean hold(String who, Map<String, String> a, boolean dflt) {
      String key = a.containsKey("proxy.minimesh.io/config") ? "proxy.minimesh.io/config" : "proxy.istio.io/config";
      String text = a.get(key);
      if (text == null || text.isBlank()) return dflt;
      try {
        JsonNode n = YAML.readTree(text);
        if (n == null || !n.isObject()) {
          throw new InjectionException(who + ": annotation " + key + ": expected a ProxyConfig mapping");
        }
        JsonNode h = n.get("holdApplicationUntilProxyStarts");
        if (h == null || h.isNull()) return dflt;
        if (!h.isBoolean()) {
          throw new InjectionException(who + ": annotation " + key
              + ": holdApplicationUntilProxyStarts must be true or false, got " + h);
        }
        return h.asBoolean();
      } catch (IOException e) {
        throw new InjectionException(who + ": annotation " + key + ": not valid YAML: "
            + e.getMessage().lines().findFirst().orElse(""));
      }
    }

    private static String quantity(String who, Map<String, String> a, String suffix, String dflt) {
      String v = sidecar(a, suffix);
      if (v == null) return dflt;
      if (!QUANTITY.matcher(v.trim()).matches()) {
        throw new InjectionException(who + ": annotation sidecar.istio.io/" + suffix + ": \"" + v
            + "\" is not a Kubernetes quantity (e.g. 100m, 128Mi)");
      }
      return v.trim();
    }

    private static void checkPorts(String who, String suffix, String v) {
      boolean ok = PORT_LIST.matcher(v).matches()
          && Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).allMatch(p -> p >= 1 && p <= 65535);
      if (!ok) {
        throw new InjectionException(who + ": annotation traffic.sidecar.istio.io/" + suffix + ": \"" + v
            + "\" is not a comma-separated list of ports 1-65535");
      }
    }

    private static void checkCidrs(String who, String suffix, String v) {
      if (!CIDR_LIST.matcher(v).matches()) {
        throw new InjectionException(who + ": annotation traffic.sidecar.istio.io/" + suffix + ": \"" + v
            + "\" is not * or a comma-separated list of IPv4 CIDRs");
      }
    }

    /** sidecar.minimesh.io/X, else sidecar.istio.io/X. */
    private static String sidecar(Map<String, String> a, String suffix) {
      String v = a.get("sidecar.minimesh.io/" + suffix);
      return v != null ? v : a.get("sidecar.istio.io/" + suffix);
    }

    private static String traffic(Map<String, String> a, String suffix) {
      String v = a.get("traffic.sidecar.minimesh.io/" + suffix);
      return v != null ? v : a.get("traffic.sidecar.istio.io/" + suffix);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static boolean alreadyInjected(Map<String, String> annotations, PodSpec spec) {
    if (annotations.containsKey(STATUS_ANNOTATION)) return true;
    if (spec == null) return false;
    for (Container c : nonNull(spec.getInitContainers())) if (INIT_CONTAINER.equals(c.getName())) return true;
    for (Container c : nonNull(spec.getContainers())) {
      if (PROXY_CONTAINER.equals(c.getName()) && !"auto".equals(c.getImage())) return true;
    }
    return false;
  }

  /** Istio's reading of injection values: y, yes, true, on, enabled (any case) mean yes. */
  static boolean truthy(String v) {
    return Set.of("y", "yes", "true", "on", "enabled").contains(v.trim().toLowerCase(Locale.ROOT));
  }

  private static Set<String> templates(Map<String, String> annotations) {
    String t = annotations.get(TEMPLATES_ANNOTATION);
    if (t == null) return Set.of();
    Set<String> out = new java.util.HashSet<>();
    for (String s : t.split(",")) if (!s.isBlank()) out.add(s.trim());
    return out;
  }

  private static String namespaceOf(Pod pod, String dflt) {
    String ns = pod.getMetadata() == null ? null : pod.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? dflt : ns;
  }

  private static String podName(ObjectMeta meta) {
    String ns = meta.getNamespace() == null ? "" : meta.getNamespace() + "/";
    if (meta.getName() != null && !meta.getName().isEmpty()) return ns + meta.getName();
    if (meta.getGenerateName() != null) return ns + meta.getGenerateName() + "*";
    return ns + "?";
  }

  private static EnvVar fieldEnv(String name, String path) {
    EnvVarSource src = new EnvVarSource();
    src.setFieldRef(new ObjectFieldSelector("v1", path));
    return new EnvVar(name, null, src);
  }

  private static HTTPGetAction httpGet(String path, int port) {
    HTTPGetAction h = new HTTPGetAction();
    h.setPath(path);
    h.setPort(new IntOrString(port));
    h.setScheme("HTTP");
    return h;
  }

  private static ContainerPort port(String name, int number) {
    ContainerPort p = new ContainerPort();
    p.setName(name);
    p.setContainerPort(number);
    p.setProtocol("TCP");
    return p;
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <K, V> Map<K, V> nonNull(Map<K, V> m) {
    return m == null ? Map.of() : m;
  }

  private static <T> List<T> nonNull(List<T> l) {
    return l == null ? List.of() : l;
  }

  private Injector() {}
}
