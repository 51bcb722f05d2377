package io.minimesh.meshctl.internal.views;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.v1.CertificateValidationContext;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.SecretDump;
import io.minimesh.api.xds.v1.TlsCertificate;
import io.minimesh.testing.TestCerts;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

/** proxy-config secret: one row per SDS secret, read from the certificates themselves (generated here). */
class SecretViewTest {
  @Test
  void rowsShowTypeStatusValiditySerialAndDates() {
    var ca = TestCerts.ca("view-ca");
    var leaf = ca.server("web.example.com");
    var expired = ca.leaf("old.example.com", List.of("old.example.com"), List.of(), KeyPurposeId.id_kp_serverAuth, Duration.ofMinutes(-1));
    ConfigDump dump = ConfigDump.newBuilder()
        .addSecrets(SecretDump.newBuilder().setState("dynamic_active").setSecret(Secret.newBuilder().setName("kubernetes://web")
            .setTlsCertificate(TlsCertificate.newBuilder().setCertificateChain(DataSource.newBuilder().setInlineString(leaf.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString("[redacted]")))))
        .addSecrets(SecretDump.newBuilder().setState("dynamic_warming").setSecret(Secret.newBuilder().setName("kubernetes://web-cacert")
            .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(DataSource.newBuilder().setInlineString(ca.certPem())))))
        .addSecrets(SecretDump.newBuilder().setState("static").setSecret(Secret.newBuilder().setName("old")
            .setTlsCertificate(TlsCertificate.newBuilder().setCertificateChain(DataSource.newBuilder().setInlineString(expired.certPem())))))
        .build();
    Instant now = Instant.now();
    String out = SecretView.table(dump, SecretView.Filter.ALL, now).render();
    List<String> lines = out.lines().toList();
    assertThat(lines.get(0).split("\\s{2,}")).containsExactly("RESOURCE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER", "NOT BEFORE");
    assertThat(lines.get(1).split("\\s{2,}")).containsExactly("kubernetes://web", "Cert Chain", "ACTIVE", "true", leaf.serial().toString(),
        leaf.certificate().getNotAfter().toInstant().truncatedTo(ChronoUnit.SECONDS).toString(),
        leaf.certificate().getNotBefore().toInstant().truncatedTo(ChronoUnit.SECONDS).toString());
    assertThat(lines.get(2).split("\\s{2,}")).startsWith("kubernetes://web-cacert", "CA", "WARMING", "true", ca.pair().serial().toString());
    assertThat(lines.get(3).split("\\s{2,}")).startsWith("old", "Cert Chain", "ACTIVE", "false", expired.serial().toString());
  }
}
