package io.minimesh.dataplane.tls;

import java.math.BigInteger;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** What /certs shows about one certificate. */
public record CertInfo(String source, BigInteger serial, String subject, List<String> dnsSans, List<String> uriSans,
    Instant notBefore, Instant notAfter) {

  static CertInfo of(String source, X509Certificate c) {
    List<String> dns = new ArrayList<>();
    List<String> uri = new ArrayList<>();
    try {
      Collection<List<?>> sans = c.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> s : sans) {
          int type = (Integer) s.get(0);
          if (type == 2) dns.add(String.valueOf(s.get(1)));
          if (type == 6) uri.add(String.valueOf(s.get(1)));
        }
      }
    } catch (CertificateParsingException e) {
      // no SANs shown
    }
    return new CertInfo(source, c.getSerialNumber(), c.getSubjectX500Principal().getName(), List.copyOf(dns),
        List.copyOf(uri), c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
  }

  /** Serial in lower-case hex, as Envoy prints it. */
  public String serialHex() {
    return serial.toString(16);
  }
}
