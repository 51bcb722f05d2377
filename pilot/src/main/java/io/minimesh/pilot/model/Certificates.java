package io.minimesh.pilot.model;

import io.minimesh.pilot.config.TlsSecret;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Checks of gateway certificate secrets, done by pilot so that a proxy never receives a certificate it
 * would reject: the chain parses, the key parses and belongs to the leaf certificate, the leaf is valid
 * now. Keys are handed on as PKCS#8 whatever PEM form the Secret used (PKCS#1 "RSA PRIVATE KEY", SEC1
 * "EC PRIVATE KEY"), since that is the one form every TLS stack reads.
 */
public final class Certificates {
  private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

  /** A secret with its key normalized to PKCS#8, or the problem (naming the data key) that makes it unusable. */
  record Checked(TlsSecret secret, String certProblem, String caProblem) {}

  static Checked check(TlsSecret s, Instant now) {
    String caProblem = s.caCert() == null ? null : parseCerts(s.caCert(), "ca.crt").problem;
    if (s.certChain() == null && s.privateKey() == null) {
      return new Checked(s, s.caCert() == null ? "data: no tls.crt, tls.key or ca.crt" : "data.tls.crt: is required", caProblem);
    }
    if (s.certChain() == null) return new Checked(s, "data.tls.crt: is required", caProblem);
    if (s.privateKey() == null) return new Checked(s, "data.tls.key: is required", caProblem);
    Parsed chain = parseCerts(s.certChain(), "tls.crt");
    if (chain.problem != null) return new Checked(s, chain.problem, caProblem);
    X509Certificate leaf = chain.certs.get(0);
    PrivateKey key;
    try (PEMParser p = new PEMParser(new StringReader(s.privateKey()))) {
      Object o = p.readObject();
      // Bouncy Castle's provider reads SEC1 keys whose curve is only named inside the key (the JDK's cannot).
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider(BC);
      if (o instanceof PEMKeyPair kp) key = conv.getPrivateKey(kp.getPrivateKeyInfo());
      else if (o instanceof PrivateKeyInfo pki) key = conv.getPrivateKey(pki);
      else if (o == null) return new Checked(s, "data.tls.key: no PEM private key found", caProblem);
      else return new Checked(s, "data.tls.key: unsupported PEM object " + o.getClass().getSimpleName()
          + " (want an unencrypted PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", caProblem);
    } catch (Exception e) {
      return new Checked(s, "data.tls.key: not a PEM private key (" + e.getMessage() + ")", caProblem);
    }
    if (!matches(key, leaf)) return new Checked(s, "data.tls.key: private key does not match the certificate in tls.crt", caProblem);
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      return new Checked(s, "data.tls.crt: certificate expired at " + leaf.getNotAfter().toInstant(), caProblem);
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      return new Checked(s, "data.tls.crt: certificate not valid before " + leaf.getNotBefore().toInstant(), caProblem);
    }
    String pkcs8 = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    return new Checked(new TlsSecret(s.namespace(), s.name(), s.certChain(), pkcs8, s.caCert(), s.origin()), null, caProblem);
  }

  private record Parsed(List<X509Certificate> certs, String problem) {}

  private static Parsed parseCerts(String pem, String key) {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) return new Parsed(out, "data." + key + ": no certificate found");
      return new Parsed(out, null);
    } catch (Exception e) {
      return new Parsed(List.of(), "data." + key + ": not a PEM certificate (" + e.getMessage() + ")");
    }
  }

  /** Signs with the key and verifies with the certificate: true when they are one pair. */
  private static boolean matches(PrivateKey key, X509Certificate cert) {
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (alg == null) return true; // unknown algorithm: leave it to the proxy
    try {
      byte[] data = "minimesh-key-check".getBytes(StandardCharsets.US_ASCII);
      Signature sig = Signature.getInstance(alg, BC);
      sig.initSign(key);
      sig.update(data);
      byte[] signed = sig.sign();
      Signature ver = Signature.getInstance(alg, BC);
      ver.initVerify(cert.getPublicKey());
      ver.update(data);
      return ver.verify(signed);
    } catch (Exception e) {
      return false;
    }
  }

  private Certificates() {}
}
