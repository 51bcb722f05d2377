package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadSelector {
  public Map<String, String> labels;
  /** DestinationRule's selector is istio.type.v1beta1.WorkloadSelector, which spells it matchLabels. */
  public Map<String, String> matchLabels;
}
