package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.LinkedHashMap;
import java.util.Map;

/** Status written by controllers; kept opaque (Istio's status is informational). */
public class IstioStatus {
  private final Map<String, Object> fields = new LinkedHashMap<>();

  @JsonAnySetter
  public void set(String name, Object value) {
    fields.put(name, value);
  }

  @JsonAnyGetter
  public Map<String, Object> fields() {
    return fields;
  }
}
