package io.minimesh.pilot.model;

import io.minimesh.pilot.config.TlsSecret;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import org.bouncycastle.openssl.PEMParser;

/** Checks that a TLS secret holds a parseable certificate chain and private key. */
final class Certificates {
  /** Null when fine, else what is wrong (naming the key). */
  static String problem(TlsSecret s) {
    if (s.certChain() == null) return "data.tls.crt: is required";
    if (s.privateKey() == null) return "data.tls.key: is required";
    try {
      var certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(s.certChain().getBytes(StandardCharsets.US_ASCII)));
      if (certs.isEmpty()) return "data.tls.crt: no certificate found";
    } catch (Exception e) {
      return "data.tls.crt: not a PEM certificate (" + e.getMessage() + ")";
    }
    try (PEMParser p = new PEMParser(new StringReader(s.privateKey()))) {
      Object o = p.readObject();
      if (o == null) return "data.tls.key: no PEM private key found";
    } catch (Exception e) {
      return "data.tls.key: not a PEM private key (" + e.getMessage() + ")";
    }
    if (s.caCert() != null) {
      try {
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(s.caCert().getBytes(StandardCharsets.US_ASCII)));
      } catch (Exception e) {
        return "data.ca.crt: not a PEM certificate (" + e.getMessage() + ")";
      }
    }
    return null;
  }

  private Certificates() {}
}
