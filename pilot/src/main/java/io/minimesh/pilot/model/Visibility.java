package io.minimesh.pilot.model;

import java.util.List;

/** Istio exportTo semantics. */
public final class Visibility {
  public static boolean visible(List<String> exportTo, String ownNamespace, String fromNamespace) {
    if (exportTo == null || exportTo.isEmpty()) return true;
    for (String e : exportTo) {
      if (e.equals("*")) return true;
      if (e.equals(".") && ownNamespace.equals(fromNamespace)) return true;
      if (e.equals(fromNamespace)) return true;
    }
    return false;
  }

  private Visibility() {}
}
