package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Istio StringMatch: exactly one of exact, prefix, regex (RE2 syntax). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StringMatch {
  public String exact;
  public String prefix;
  public String regex;

  public StringMatch() {}

  public static StringMatch exact(String v) {
    StringMatch m = new StringMatch();
    m.exact = v;
    return m;
  }

  public static StringMatch prefix(String v) {
    StringMatch m = new StringMatch();
    m.prefix = v;
    return m;
  }

  /** Number of alternatives set (valid: exactly one, or zero meaning "present" for headers). */
  public int setCount() {
    return (exact != null ? 1 : 0) + (prefix != null ? 1 : 0) + (regex != null ? 1 : 0);
  }
}
