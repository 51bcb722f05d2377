package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Istio ServiceEntry spec, every field of the v1 API. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceEntrySpec {
  public List<String> hosts;
  public List<String> addresses;
  public List<ServicePort> ports;
  /** MESH_EXTERNAL | MESH_INTERNAL */
  public String location;
  /** NONE | STATIC | DNS | DNS_ROUND_ROBIN */
  public String resolution;
  public List<WorkloadEntrySpec> endpoints;
  public WorkloadSelector workloadSelector;
  public List<String> exportTo;
  public List<String> subjectAltNames;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ServicePort {
    public Integer number;
    public String protocol;
    public String name;
    public Integer targetPort;
  }
}
