package io.minimesh.pilot.model;

import io.minimesh.pilot.config.ConfigKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service in the registry: a ServiceEntry host (directory mode) or a Kubernetes Service
 * ({@code <svc>.<ns>.svc.cluster.local}).
 */
public record Service(
    String hostname,
    String namespace,
    List<String> addresses,
    List<ServicePort> ports,
    Resolution resolution,
    boolean meshExternal,
    List<String> exportTo,
    Map<String, String> workloadSelector,
    ConfigKey source) {
  public enum Resolution {
    NONE,
    STATIC,
    DNS,
    DNS_ROUND_ROBIN
  }

  public Service {
    addresses = List.copyOf(addresses);
    ports = List.copyOf(ports);
    exportTo = List.copyOf(exportTo);
    workloadSelector = workloadSelector == null ? null : Map.copyOf(workloadSelector);
  }

  public Optional<ServicePort> port(int number) {
    return ports.stream().filter(p -> p.number() == number).findFirst();
  }

  /** Visible from namespace ns under exportTo rules ("*" or empty: everywhere; ".": own namespace). */
  public boolean visibleFrom(String ns) {
    return Visibility.visible(exportTo, namespace, ns);
  }
}
