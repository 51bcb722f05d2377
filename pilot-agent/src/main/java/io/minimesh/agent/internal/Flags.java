package io.minimesh.agent.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parsing and validation of the agent's list-valued flags; errors name the flag. */
final class Flags {

  /** {@code k=v,k2=v2} → ordered map. */
  static Map<String, String> labels(String flag, String text) {
    Map<String, String> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "invalid " + flag + " entry \"" + p + "\": expected KEY=VALUE[,KEY=VALUE…]");
      }
      out.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
    }
    return out;
  }

  /** {@code 80:8080,443:8443} → normalized string; both sides must be ports. */
  static String portMap(String text) {
    if (text == null || text.isBlank()) {
      return "";
    }
    List<String> pairs = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      String[] sides = p.split(":", -1);
      if (sides.length != 2) {
        throw new IllegalArgumentException(
            "invalid --port-map entry \"" + p + "\": expected SERVICE_PORT:BIND_PORT[,…], e.g. 80:8080");
      }
      int from = portNumber("--port-map", sides[0]);
      int to = portNumber("--port-map", sides[1]);
      pairs.add(from + ":" + to);
    }
    return String.join(",", pairs);
  }

  /** Comma-separated ports (for iptables); "" → empty list. */
  static List<Integer> ports(String flag, String text) {
    List<Integer> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        out.add(portNumber(flag, part));
      }
    }
    return out;
  }

  static int portNumber(String flag, String text) {
    try {
      int p = Integer.parseInt(text.trim());
      port(flag, p, false);
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "invalid " + flag + " port \"" + text.trim() + "\": expected a number 1-65535");
    }
  }

  static void port(String flag, int port, boolean zeroAllowed) {
    if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
      throw new IllegalArgumentException(
          "invalid " + flag + " " + port + ": expected a port " + (zeroAllowed ? 0 : 1) + "-65535");
    }
  }

  static void hostPort(String flag, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(flag + " is required (HOST:PORT)");
    }
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException(
          "invalid " + flag + " \"" + text + "\": expected HOST:PORT, e.g. localhost:15010");
    }
    portNumber(flag, text.substring(colon + 1));
  }

  private Flags() {}
}
