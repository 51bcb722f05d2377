package io.minimesh.pilot.model;

/** Istio host name rules: short-name resolution and wildcard matching. */
public final class Hosts {
  public static final String DOMAIN_SUFFIX = "svc.cluster.local";

  /** "reviews" in namespace ns → "reviews.ns.svc.cluster.local"; names with dots and wildcards stay. */
  public static String resolve(String host, String ns) {
    if (host.contains(".") || host.equals("*") || host.startsWith("*")) return host;
    return host + "." + ns + "." + DOMAIN_SUFFIX;
  }

  /** True when the two hosts (each possibly a "*." wildcard or "*") can match a common name. */
  public static boolean matches(String a, String b) {
    if (a.equals(b) || a.equals("*") || b.equals("*")) return true;
    if (a.startsWith("*")) {
      String suf = a.substring(1);
      if (b.startsWith("*")) {
        String bs = b.substring(1);
        return bs.endsWith(suf) || suf.endsWith(bs);
      }
      return b.endsWith(suf);
    }
    if (b.startsWith("*")) return a.endsWith(b.substring(1));
    return false;
  }

  /** Whether the concrete-or-wildcard {@code pattern} covers every name {@code host} covers. */
  public static boolean covers(String pattern, String host) {
    if (pattern.equals("*") || pattern.equals(host)) return true;
    if (pattern.startsWith("*")) {
      String suf = pattern.substring(1);
      return host.startsWith("*") ? host.substring(1).endsWith(suf) : host.endsWith(suf);
    }
    return false;
  }

  /** Of two matching hosts, the more specific one (the one the other covers). */
  public static String moreSpecific(String a, String b) {
    return covers(a, b) ? b : a;
  }

  private Hosts() {}
}
