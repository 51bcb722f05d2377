package io.minimesh.pilot.model;

import io.minimesh.pilot.config.ConfigKey;
import java.util.Map;

/**
 * An endpoint of a service: one workload (WorkloadEntry, ServiceEntry endpoint, Kubernetes pod) serving
 * {@code serviceHost}. Port numbers come from {@code ports} by service port name, else the service port's
 * target port.
 */
public record WorkloadInstance(
    String serviceHost,
    String serviceNamespace,
    String address,
    Map<String, Integer> ports,
    Map<String, String> labels,
    String locality,
    int weight,
    String network,
    boolean healthy,
    ConfigKey source) {
  public WorkloadInstance {
    ports = Map.copyOf(ports);
    labels = Map.copyOf(labels);
    locality = locality == null ? "" : locality;
    network = network == null ? "" : network;
  }

  public int portFor(ServicePort sp) {
    Integer p = sp.name() == null ? null : ports.get(sp.name());
    if (p != null) return p;
    return sp.targetPort() > 0 ? sp.targetPort() : sp.number();
  }
}
