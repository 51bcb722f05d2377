package io.minimesh.pilot.model;

import java.util.Locale;

/** Istio protocol names and the prefixes Istio infers them from port names ("http-web", "grpc"). */
public final class Protocols {
  public static String normalize(String protocol, String portName) {
    if (protocol != null && !protocol.isBlank()) return protocol.toUpperCase(Locale.ROOT);
    if (portName != null) {
      String n = portName.toLowerCase(Locale.ROOT);
      for (String p : new String[] {"http2", "https", "http", "grpc-web", "grpc", "tcp", "tls", "mongo", "redis", "mysql"}) {
        if (n.equals(p) || n.startsWith(p + "-")) return p.toUpperCase(Locale.ROOT);
      }
    }
    // Istio would sniff; without sniffing, plain HTTP/1.1 is the common case for unnamed ports.
    return "HTTP";
  }

  public static boolean isHttp(String protocol) {
    return switch (protocol) {
      case "HTTP", "HTTP2", "GRPC", "GRPC-WEB" -> true;
      default -> false;
    };
  }

  public static boolean isHttp2(String protocol) {
    return protocol.equals("HTTP2") || protocol.equals("GRPC");
  }

  public static boolean isKnown(String protocol) {
    return switch (protocol) {
      case "HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB", "TCP", "TLS", "MONGO", "REDIS", "MYSQL", "UDP" -> true;
      default -> false;
    };
  }

  private Protocols() {}
}
