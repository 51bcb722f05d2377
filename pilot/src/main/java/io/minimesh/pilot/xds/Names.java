package io.minimesh.pilot.xds;

/** Istio's resource names. */
final class Names {
  static final String BLACKHOLE = "BlackHoleCluster";
  static final String PASSTHROUGH = "PassthroughCluster";
  static final String INBOUND_PASSTHROUGH = "InboundPassthroughCluster";
  static final String VIRTUAL_OUTBOUND = "virtualOutbound";
  static final String VIRTUAL_INBOUND = "virtualInbound";

  static String outbound(int port, String subset, String host) {
    return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
  }

  static String inbound(int port) {
    return "inbound|" + port + "||";
  }

  /** Parsed outbound cluster name, or null. */
  record Outbound(int port, String subset, String host) {}

  static Outbound parseOutbound(String name) {
    String[] p = name.split("\\|", -1);
    if (p.length != 4 || !p[0].equals("outbound")) return null;
    try {
      return new Outbound(Integer.parseInt(p[1]), p[2].isEmpty() ? null : p[2], p[3]);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String vsPath(String ns, String name) {
    return "/apis/networking.istio.io/v1/namespaces/" + ns + "/virtual-service/" + name;
  }

  static String drPath(String ns, String name) {
    return "/apis/networking.istio.io/v1/namespaces/" + ns + "/destination-rule/" + name;
  }

  static String sdsName(String credentialName) {
    return "kubernetes://" + credentialName;
  }

  private Names() {}
}
