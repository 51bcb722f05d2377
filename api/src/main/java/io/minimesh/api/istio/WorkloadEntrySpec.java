package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** Istio WorkloadEntry spec (also the shape of ServiceEntry.endpoints[]). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadEntrySpec {
  public String address;
  /** Port name → port number on this workload. */
  public Map<String, Integer> ports;
  public Map<String, String> labels;
  public String network;
  /** "region/zone/subzone" */
  public String locality;
  public Integer weight;
  public String serviceAccount;
}
