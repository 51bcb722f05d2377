package io.minimesh.pilot.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.minimesh.pilot.config.ConfigKey;
import io.minimesh.pilot.model.Protocols;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.WorkloadInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Kubernetes Services and EndpointSlices as the mesh's service registry, the way Istio reads them. */
final class KubeRegistry {
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  static final String EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";

  static String hostname(String name, String namespace, String domain) {
    return name + "." + namespace + ".svc." + domain;
  }

  /** A Service as the registry sees it; null for Services pilot does not model. */
  static Service service(io.fabric8.kubernetes.api.model.Service s, String domain) {
    var meta = s.getMetadata();
    var spec = s.getSpec();
    if (spec == null) return null;
    String ns = meta.getNamespace();
    List<io.minimesh.pilot.model.ServicePort> ports = new ArrayList<>();
    for (ServicePort p : nonNull(spec.getPorts())) {
      if ("UDP".equals(p.getProtocol()) || "SCTP".equals(p.getProtocol())) continue; // Istio proxies TCP only
      int target = p.getTargetPort() != null && p.getTargetPort().getIntVal() != null ? p.getTargetPort().getIntVal() : 0;
      // The one unnamed port a single-port Service may have is "" here, as in its EndpointSlices, so a
      // named targetPort still resolves per endpoint.
      String name = p.getName() == null ? "" : p.getName();
      ports.add(new io.minimesh.pilot.model.ServicePort(name, p.getPort(), protocol(p.getAppProtocol(), name), target));
    }
    List<String> addresses = new ArrayList<>();
    List<String> ips = spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()
        ? spec.getClusterIPs() : spec.getClusterIP() == null ? List.of() : List.of(spec.getClusterIP());
    for (String ip : ips) if (ip != null && !ip.isEmpty() && !ip.equals("None")) addresses.add(ip);
    String exportTo = meta.getAnnotations() == null ? null : meta.getAnnotations().get(EXPORT_TO_ANNOTATION);
    List<String> export = new ArrayList<>();
    if (exportTo != null) for (String e : exportTo.split(",")) if (!e.isBlank()) export.add(e.trim());
    boolean external = "ExternalName".equals(spec.getType());
    return new Service(hostname(meta.getName(), ns, domain), ns, addresses, ports,
        external ? Service.Resolution.DNS : Service.Resolution.STATIC, external, export,
        spec.getSelector() == null || spec.getSelector().isEmpty() ? null : spec.getSelector(),
        new ConfigKey("Service", ns, meta.getName()));
  }

  /** Istio's protocol selection: appProtocol, else the port name's prefix (http-, grpc-, tcp-, tls- …). */
  static String protocol(String appProtocol, String portName) {
    if (appProtocol != null && !appProtocol.isBlank()) {
      String a = appProtocol.toLowerCase(Locale.ROOT);
      String mapped = switch (a) {
        case "kubernetes.io/h2c", "http2" -> "HTTP2";
        case "kubernetes.io/ws", "http" -> "HTTP";
        case "kubernetes.io/wss", "https" -> "HTTPS";
        case "grpc", "grpc-web", "tcp", "tls", "mongo", "redis", "mysql", "udp" -> a.toUpperCase(Locale.ROOT);
        default -> null;
      };
      if (mapped != null) return mapped;
    }
    return Protocols.normalize(null, portName);
  }

  /** The endpoints of one EndpointSlice; pods give labels, nodes (or the slice's zone) give locality. */
  static List<WorkloadInstance> instances(EndpointSlice slice, io.fabric8.kubernetes.api.model.Service svc,
      String domain, Function<String, Pod> pods, Function<String, Node> nodes) {
    if (!"IPv4".equals(slice.getAddressType()) && !"IPv6".equals(slice.getAddressType())) return List.of();
    String ns = slice.getMetadata().getNamespace();
    String host = hostname(svc.getMetadata().getName(), ns, domain);
    Map<String, Integer> ports = new HashMap<>();
    for (EndpointPort p : nonNull(slice.getPorts())) {
      if (p.getPort() == null) continue;
      ports.put(p.getName() == null ? "" : p.getName(), p.getPort());
    }
    // A service port without a name matches the slice port without a name.
    Map<String, Integer> byServicePort = new LinkedHashMap<>();
    for (ServicePort sp : nonNull(svc.getSpec().getPorts())) {
      String name = sp.getName() == null ? "" : sp.getName();
      Integer p = ports.get(name);
      if (p != null) byServicePort.put(name, p);
    }
    List<WorkloadInstance> out = new ArrayList<>();
    for (Endpoint e : nonNull(slice.getEndpoints())) {
      if (e.getAddresses() == null || e.getAddresses().isEmpty()) continue;
      boolean ready = e.getConditions() == null || e.getConditions().getReady() == null || e.getConditions().getReady();
      Map<String, String> labels = Map.of();
      ConfigKey source = new ConfigKey("EndpointSlice", ns, slice.getMetadata().getName());
      Pod pod = null;
      ObjectReference ref = e.getTargetRef();
      if (ref != null && "Pod".equals(ref.getKind()) && ref.getName() != null) {
        String podNs = ref.getNamespace() == null ? ns : ref.getNamespace();
        pod = pods.apply(podNs + "/" + ref.getName());
        source = new ConfigKey("Pod", podNs, ref.getName());
      }
      if (pod != null && pod.getMetadata().getLabels() != null) labels = pod.getMetadata().getLabels();
      String nodeName = e.getNodeName() != null ? e.getNodeName() : pod != null && pod.getSpec() != null ? pod.getSpec().getNodeName() : null;
      Node node = nodeName == null ? null : nodes.apply(nodeName);
      String locality = locality(labels, node == null ? null : node.getMetadata().getLabels(), e.getZone());
      String network = labels.getOrDefault("topology.istio.io/network", "");
      out.add(new WorkloadInstance(host, ns, e.getAddresses().get(0), byServicePort, labels, locality, 1, network, ready, source));
    }
    return out;
  }

  /**
   * region/zone/subzone: the pod's istio-locality label wins (Istio's override, dots for slashes), else
   * the node's topology labels, else the zone the EndpointSlice controller copied from the node.
   */
  static String locality(Map<String, String> podLabels, Map<String, String> nodeLabels, String sliceZone) {
    String override = podLabels.get("istio-locality");
    if (override != null && !override.isBlank()) return override.replace('.', '/');
    if (nodeLabels != null) {
      String region = nodeLabels.getOrDefault("topology.kubernetes.io/region", nodeLabels.getOrDefault("failure-domain.beta.kubernetes.io/region", ""));
      String zone = nodeLabels.getOrDefault("topology.kubernetes.io/zone", nodeLabels.getOrDefault("failure-domain.beta.kubernetes.io/zone", ""));
      String subzone = nodeLabels.getOrDefault("topology.istio.io/subzone", "");
      if (!region.isEmpty() || !zone.isEmpty()) return join(region, zone, subzone);
    }
    return sliceZone == null || sliceZone.isEmpty() ? "" : join("", sliceZone, "");
  }

  private static String join(String region, String zone, String subzone) {
    if (!subzone.isEmpty()) return region + "/" + zone + "/" + subzone;
    if (!zone.isEmpty()) return region + "/" + zone;
    return region;
  }

  /** Keeps the first instance per (host, address): endpoints move between slices during updates. */
  static List<WorkloadInstance> dedupe(List<WorkloadInstance> in) {
    Set<String> seen = new LinkedHashSet<>();
    List<WorkloadInstance> out = new ArrayList<>();
    for (WorkloadInstance w : in) if (seen.add(w.serviceHost() + "|" + w.address())) out.add(w);
    return out;
  }

  private static <T> List<T> nonNull(List<T> l) {
    return l == null ? List.of() : l;
  }

  private KubeRegistry() {}
}
