package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortSelector {
  public Integer number;
}
