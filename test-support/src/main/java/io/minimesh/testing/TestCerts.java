package io.minimesh.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made by tests at run time (none are checked in): a CA, and leaf certificates it
 * signs for servers (DNS SANs) or clients (URI/DNS SANs). Everything is available as PEM text, the
 * form Kubernetes TLS Secrets, Envoy's inline DataSources and curl's {@code --cacert} use.
 *
 * <pre>{@code
 * var ca = TestCerts.ca("test-ca");
 * var server = ca.server("webapp.example.com");
 * server.writeTo(dir, "webapp");   // webapp.crt, webapp.key (PKCS#8)
 * }</pre>
 */
public final class TestCerts {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private TestCerts() {}

  /** A key pair with its certificate. */
  public record Pair(X509Certificate certificate, KeyPair keyPair) {
    public String certPem() {
      return pem(certificate);
    }

    /** The private key as PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). */
    public String keyPem() {
      try {
        return pem(new JcaPKCS8Generator(keyPair.getPrivate(), null).generate());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** Writes {@code <base>.crt} and {@code <base>.key} into {@code dir}; returns the cert path. */
    public Path writeTo(Path dir, String base) {
      try {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(base + ".key"), keyPem());
        return Files.writeString(dir.resolve(base + ".crt"), certPem());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A self-signed CA that signs leaves. */
  public static final class Ca {
    private final Pair pair;
    private final String name;

    private Ca(String name, Pair pair) {
      this.name = name;
      this.pair = pair;
    }

    public Pair pair() {
      return pair;
    }

    public String certPem() {
      return pair.certPem();
    }

    public Path writeCert(Path file) {
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.writeString(file, certPem());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A server certificate whose CN is the first name and whose DNS SANs are all names. */
    public Pair server(String... dnsNames) {
      return leaf(dnsNames[0], List.of(dnsNames), List.of(), KeyPurposeId.id_kp_serverAuth, Duration.ofDays(1));
    }

    /** A client certificate with the given URI SANs (e.g. a SPIFFE id) and DNS SANs. */
    public Pair client(String commonName, List<String> uriSans, List<String> dnsSans) {
      return leaf(commonName, dnsSans, uriSans, KeyPurposeId.id_kp_clientAuth, Duration.ofDays(1));
    }

    /** A certificate valid for both server and client use, with an explicit lifetime. */
    public Pair leaf(String cn, List<String> dns, List<String> uris, KeyPurposeId purpose, Duration validity) {
      try {
        KeyPair kp = keyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
            new X500Name("CN=" + name),
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(now.minus(Duration.ofMinutes(5))),
            Date.from(now.plus(validity)),
            new X500Name("CN=" + cn),
            kp.getPublic());
        List<GeneralName> sans = new ArrayList<>();
        dns.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
        uris.forEach(u -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
        if (!sans.isEmpty()) {
          b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        return new Pair(sign(b, pair.keyPair()), kp);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A new self-signed CA named {@code CN=<name>}, valid for a day. */
  public static Ca ca(String name) {
    try {
      KeyPair kp = keyPair();
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
          new X500Name("CN=" + name),
          BigInteger.valueOf(SERIAL.incrementAndGet()),
          Date.from(now.minus(Duration.ofMinutes(5))),
          Date.from(now.plus(Duration.ofDays(1))),
          new X500Name("CN=" + name),
          kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      return new Ca(name, new Pair(sign(b, kp), kp));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(Object o) {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sw.toString();
  }
}
