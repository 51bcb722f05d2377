package io.minimesh.meshctl.internal.views;

import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.SecretDump;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** {@code proxy-config secret}: certificates from the dump's secrets, parsed from their PEM. */
public final class SecretView {
  public record Filter(String name) {
    public static final Filter ALL = new Filter(null);
  }

  public static List<SecretDump> select(ConfigDump dump, Filter f) {
    return dump.getSecretsList().stream()
        .filter(s -> f.name() == null || f.name().equals(s.getSecret().getName()))
        .sorted(Comparator.comparing(s -> s.getSecret().getName()))
        .toList();
  }

  public static Table table(ConfigDump dump, Filter f, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    for (SecretDump sd : select(dump, f)) {
      Secret s = sd.getSecret();
      String type;
      DataSource pem;
      switch (s.getTypeCase()) {
        case TLS_CERTIFICATE -> {
          type = "Cert Chain";
          pem = s.getTlsCertificate().getCertificateChain();
        }
        case VALIDATION_CONTEXT -> {
          type = "CA";
          pem = s.getValidationContext().getTrustedCa();
        }
        default -> {
          type = "";
          pem = DataSource.getDefaultInstance();
        }
      }
      Optional<X509Certificate> cert = firstCertificate(pem);
      rows.add(
          List.of(
              s.getName(),
              type,
              status(sd.getState()),
              String.valueOf(cert.map(c -> valid(c, now)).orElse(false)),
              // decimal, as istioctl prints it
              cert.map(c -> c.getSerialNumber().toString()).orElse(""),
              cert.map(c -> format(c.getNotAfter().toInstant())).orElse(""),
              cert.map(c -> format(c.getNotBefore().toInstant())).orElse("")));
    }
    return new Table(
        List.of("RESOURCE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER", "NOT BEFORE"),
        rows);
  }

  static String status(String state) {
    return switch (state) {
      case "dynamic_warming" -> "WARMING";
      case "", "dynamic_active", "static" -> "ACTIVE";
      default -> state.toUpperCase(java.util.Locale.ROOT);
    };
  }

  static boolean valid(X509Certificate c, Instant now) {
    return !now.isBefore(c.getNotBefore().toInstant()) && !now.isAfter(c.getNotAfter().toInstant());
  }

  private static String format(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t);
  }

  /** The leaf (first) certificate of a PEM or DER source; empty when absent or unparsable. */
  static Optional<X509Certificate> firstCertificate(DataSource ds) {
    byte[] bytes;
    try {
      bytes =
          switch (ds.getSpecifierCase()) {
            case INLINE_BYTES -> ds.getInlineBytes().toByteArray();
            case INLINE_STRING -> ds.getInlineString().getBytes(StandardCharsets.UTF_8);
            case FILENAME -> Files.readAllBytes(Path.of(ds.getFilename()));
            case SPECIFIER_NOT_SET -> new byte[0];
          };
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    if (bytes.length == 0) {
      return Optional.empty();
    }
    try {
      Collection<? extends java.security.cert.Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
      return certs.stream()
          .filter(X509Certificate.class::isInstance)
          .map(X509Certificate.class::cast)
          .findFirst();
    } catch (CertificateException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private SecretView() {}
}
