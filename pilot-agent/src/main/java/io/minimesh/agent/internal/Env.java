package io.minimesh.agent.internal;

import java.util.Map;
import java.util.TreeMap;

/** The process environment as a value, so tests can pass their own. */
record Env(Map<String, String> vars) {
  Env {
    vars = Map.copyOf(vars);
  }

  static Env system() {
    return new Env(System.getenv());
  }

  String get(String name) {
    String v = vars.get(name);
    return v == null || v.isBlank() ? null : v;
  }

  /** Variables whose name starts with the prefix, keyed by the rest of the name, sorted. */
  Map<String, String> withPrefix(String prefix) {
    Map<String, String> out = new TreeMap<>();
    vars.forEach(
        (k, v) -> {
          if (k.startsWith(prefix) && k.length() > prefix.length()) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }
}
