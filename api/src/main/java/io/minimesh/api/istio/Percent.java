package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;

/** Istio Percent {value: 0..100}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Percent {
  public Double value;

  public Percent() {}

  /** Lenient form: a bare number (some users write {@code mirrorPercentage: 50}). */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static Percent ofNumber(double v) {
    Percent p = new Percent();
    p.value = v;
    return p;
  }
}
