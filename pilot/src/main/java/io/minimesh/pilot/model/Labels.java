package io.minimesh.pilot.model;

import java.util.Map;

public final class Labels {
  /** True when every selector label is present with the same value (an empty selector selects all). */
  public static boolean subsetOf(Map<String, String> selector, Map<String, String> labels) {
    if (selector == null) return true;
    for (var e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) return false;
    }
    return true;
  }

  private Labels() {}
}
