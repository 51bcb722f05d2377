package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadSelector {
  public Map<String, String> labels;
}
