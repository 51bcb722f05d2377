package io.minimesh.pilot.webhook;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's serving certificate (PEM) and the CA bundle the API server must trust. Taken from
 * {@code --webhook-cert-dir} (tls.crt, tls.key, optional ca.crt: a mounted Secret or cert-manager) when
 * present; else a self-signed certificate for the pilot Service, kept in the Secret
 * {@code minimesh-webhook-certs} so every replica serves the same one.
 */
public record WebhookCerts(String certPem, String keyPem, String caPem) {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookCerts.class);
  public static final String SECRET_NAME = "minimesh-webhook-certs";

  /** DNS names of the pilot Service in {@code namespace} (service minimesh-pilot). */
  public static List<String> serviceNames(String service, String namespace) {
    return List.of(service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local",
        service + "." + namespace, service);
  }

  /** Reads tls.crt/tls.key(/ca.crt) from dir; null when the directory has no tls.crt. */
  public static WebhookCerts fromDir(Path dir) throws IOException {
    Path crt = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    if (!Files.exists(crt)) return null;
    if (!Files.exists(key)) throw new IOException(dir + ": tls.crt without tls.key");
    String cert = Files.readString(crt);
    Path ca = dir.resolve("ca.crt");
    return new WebhookCerts(cert, Files.readString(key), Files.exists(ca) ? Files.readString(ca) : cert);
  }

  /** Shared through a Secret: read it, else create it (another replica may win the race: re-read). */
  public static WebhookCerts shared(KubernetesClient client, String namespace, List<String> dnsNames) {
    try {
      for (int attempt = 0; attempt < 3; attempt++) {
        Secret s = client.secrets().inNamespace(namespace).withName(SECRET_NAME).get();
        if (s != null && s.getData() != null && s.getData().containsKey("tls.crt")) {
          Map<String, String> d = s.getData();
          String cert = decode(d.get("tls.crt"));
          return new WebhookCerts(cert, decode(d.get("tls.key")), d.containsKey("ca.crt") ? decode(d.get("ca.crt")) : cert);
        }
        WebhookCerts fresh = selfSigned(dnsNames, Duration.ofDays(3650));
        try {
          client.resource(new SecretBuilder().withNewMetadata().withName(SECRET_NAME).withNamespace(namespace)
                  .addToLabels("app.kubernetes.io/managed-by", "minimesh-pilot").endMetadata()
                  .withType("kubernetes.io/tls")
                  .addToData("tls.crt", encode(fresh.certPem)).addToData("tls.key", encode(fresh.keyPem))
                  .addToData("ca.crt", encode(fresh.caPem)).build())
              .create();
          LOG.info("created the webhook certificate in Secret {}/{}", namespace, SECRET_NAME);
          return fresh;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) throw e;
        }
      }
    } catch (KubernetesClientException e) {
      LOG.warn("cannot keep the webhook certificate in Secret {}/{} ({}); using one of this replica only",
          namespace, SECRET_NAME, e.getMessage());
    }
    return selfSigned(dnsNames, Duration.ofDays(3650));
  }

  /** A self-signed serving certificate that is its own CA (the API server trusts it via caBundle). */
  public static WebhookCerts selfSigned(List<String> dnsNames, Duration validity) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(256, new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      Instant now = Instant.now();
      X500Name name = new X500Name("CN=" + dnsNames.get(0) + ",O=minimesh");
      var b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), name, kp.getPublic());
      List<GeneralName> sans = new ArrayList<>();
      for (String d : dnsNames) sans.add(new GeneralName(GeneralName.dNSName, d));
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      X509Certificate cert = new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
      String certPem = pem(cert);
      return new WebhookCerts(certPem, pem(kp.getPrivate()), certPem);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the webhook certificate: " + e, e);
    }
  }

  /** A server SSLContext for this certificate and key. */
  public SSLContext sslContext() {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<Certificate> chain = new ArrayList<>(cf.generateCertificates(
          new ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII))));
      if (chain.isEmpty()) throw new IllegalArgumentException("tls.crt: no certificate found");
      PrivateKey key = privateKey(keyPem);
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("webhook", key, new char[0], chain.toArray(Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalArgumentException("webhook certificate/key unusable: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(String pem) throws IOException {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair kp) return conv.getKeyPair(kp).getPrivate();
      if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) return conv.getPrivateKey(info);
      throw new IOException("tls.key: no PEM private key found");
    }
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o instanceof PrivateKey k
          ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
    }
    return w.toString();
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String s) {
    return new String(Base64.getMimeDecoder().decode(s), StandardCharsets.UTF_8);
  }

}
