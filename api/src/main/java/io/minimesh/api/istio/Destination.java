package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Istio Destination: a service host (short name resolved in the resource's namespace), subset, port. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Destination {
  public String host;
  public String subset;
  public PortSelector port;
}
