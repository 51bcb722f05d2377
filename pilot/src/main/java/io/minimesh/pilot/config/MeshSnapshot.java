package io.minimesh.pilot.config;

import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.WorkloadInstance;
import io.minimesh.pilot.validation.ValidationMessage;
import java.util.List;

/**
 * Everything a config source knows at one instant: Istio resources (not yet validated), TLS secrets, a
 * platform service registry (Kubernetes Services/EndpointSlices; empty in directory mode, where
 * ServiceEntry + WorkloadEntry are the registry) and the errors met while reading (syntax, unknown
 * fields). Immutable.
 */
public record MeshSnapshot(
    List<ConfigResource> configs,
    List<TlsSecret> secrets,
    List<Service> platformServices,
    List<WorkloadInstance> platformInstances,
    List<ValidationMessage> sourceErrors) {
  public MeshSnapshot {
    configs = List.copyOf(configs);
    secrets = List.copyOf(secrets);
    platformServices = List.copyOf(platformServices);
    platformInstances = List.copyOf(platformInstances);
    sourceErrors = List.copyOf(sourceErrors);
  }

  public static MeshSnapshot empty() {
    return new MeshSnapshot(List.of(), List.of(), List.of(), List.of(), List.of());
  }
}
