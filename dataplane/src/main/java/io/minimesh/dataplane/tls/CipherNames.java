package io.minimesh.dataplane.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Envoy/Istio name cipher suites the OpenSSL way ("ECDHE-RSA-AES128-GCM-SHA256"); Java wants the
 * IANA names ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"). IANA names are accepted as they are.
 */
final class CipherNames {
  private CipherNames() {}

  private static final Map<String, String> OPENSSL = Map.ofEntries(
      Map.entry("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
      Map.entry("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
      Map.entry("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
      Map.entry("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
      Map.entry("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
      Map.entry("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
      Map.entry("ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
      Map.entry("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
      Map.entry("ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
      Map.entry("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
      Map.entry("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
      Map.entry("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
      Map.entry("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
      Map.entry("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"),
      Map.entry("ECDHE-PSK-AES128-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"),
      Map.entry("ECDHE-PSK-CHACHA20-POLY1305", "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"));

  /** BoringSSL's equal-preference groups "[A|B]" are flattened to A, B. */
  static List<String> expand(String s) {
    List<String> out = new ArrayList<>();
    for (String part : s.replace("[", "").replace("]", "").split("[|:]")) {
      if (!part.isBlank()) out.add(part.trim());
    }
    return out;
  }

  /** The IANA name, or null when unknown. */
  static String toJava(String s) {
    if (s.startsWith("TLS_")) return s;
    return OPENSSL.get(s);
  }
}
