package io.minimesh.pilot.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.xds.ConfigGenerator;
import io.minimesh.testing.TestCerts;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

/** Gateway certificates, resilience settings and LocalRateLimit: impossible input is an error naming resource and field. */
class TlsAndResilienceValidationTest {
  private static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: web, namespace: default}
      spec:
        selector: {istio: ingressgateway}
        servers:
        - port: {number: 80, name: http, protocol: HTTP}
          hosts: ["*"]
        - port: {number: 443, name: https, protocol: HTTPS}
          hosts: [web.example.com]
          tls: {mode: %s, credentialName: web-cert}
      """;

  private static String secret(String name, String crt, String key, String ca) {
    StringBuilder y = new StringBuilder("apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {name: " + name
        + ", namespace: default}\nstringData:\n");
    if (crt != null) y.append("  tls.crt: |\n").append(indent(crt));
    if (key != null) y.append("  tls.key: |\n").append(indent(key));
    if (ca != null) y.append("  ca.crt: |\n").append(indent(ca));
    return y.toString();
  }

  private static String indent(String pem) {
    StringBuilder b = new StringBuilder();
    for (String l : pem.strip().split("\n")) b.append("    ").append(l).append('\n');
    return b.toString();
  }

  private static List<String> errors(PushContext ctx) {
    return ctx.messages().stream().map(Object::toString).toList();
  }

  private static void onlyHttpServed(PushContext ctx) {
    var r = ConfigGenerator.generate(ctx, TestData.gateway());
    assertThat(r.of(TypeUrls.LISTENER)).containsOnlyKeys("0.0.0.0_80");
    assertThat(r.of(TypeUrls.SECRET)).isEmpty();
  }

  @Test
  void keyNotMatchingTheCertificateIsAnErrorAndTheServerIsNotServed() {
    var a = TestData.CA.server("web.example.com");
    var b = TestData.CA.server("web.example.com");
    PushContext ctx = PushContext.build(TestData.snapshot(GATEWAY.formatted("SIMPLE"), secret("web-cert", a.certPem(), b.keyPem(), null)));
    assertThat(errors(ctx)).contains(
        "Error [MM0210] (Secret default/web-cert test1.yaml:1) data.tls.key: private key does not match the certificate in tls.crt",
        "Error [MM0210] (Gateway default/web test0.yaml:1) spec.servers[1].tls.credentialName: \"web-cert\": secret default/web-cert is invalid:"
            + " data.tls.key: private key does not match the certificate in tls.crt (server not served)");
    onlyHttpServed(ctx);
  }

  @Test
  void expiredCertificateIsAnError() {
    var expired = TestData.CA.leaf("web.example.com", List.of("web.example.com"), List.of(), KeyPurposeId.id_kp_serverAuth, Duration.ofMinutes(-1));
    PushContext ctx = PushContext.build(TestData.snapshot(GATEWAY.formatted("SIMPLE"), secret("web-cert", expired.certPem(), expired.keyPem(), null)));
    assertThat(errors(ctx)).anySatisfy(m -> assertThat(m).startsWith(
        "Error [MM0210] (Gateway default/web test0.yaml:1) spec.servers[1].tls.credentialName: \"web-cert\": secret default/web-cert is invalid: data.tls.crt: certificate expired at "));
    onlyHttpServed(ctx);
  }

  @Test
  void mutualWithoutCaIsAnError() {
    var p = TestData.CA.server("web.example.com");
    PushContext ctx = PushContext.build(TestData.snapshot(GATEWAY.formatted("MUTUAL"), secret("web-cert", p.certPem(), p.keyPem(), null)));
    assertThat(errors(ctx)).contains("Error [MM0104] (Gateway default/web test0.yaml:1) spec.servers[1].tls.credentialName: \"web-cert\": mode MUTUAL"
        + " needs a CA certificate: no ca.crt in secret default/web-cert and secret default/web-cert-cacert not found (server not served)");
    onlyHttpServed(ctx);
  }

  @Test
  void separateCacertSecretGivesTheValidationContextAndOtherKeyFormatsBecomePkcs8() throws Exception {
    var p = TestData.CA.server("web.example.com");
    // the same key as OpenSSL's traditional "EC PRIVATE KEY" (SEC1, curve named inside)
    var pki = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(p.keyPair().getPrivate().getEncoded());
    var inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(pki.parsePrivateKey());
    var sec1Key = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(), inner.getPublicKey(), pki.getPrivateKeyAlgorithm().getParameters());
    StringWriter sec1 = new StringWriter();
    try (var w = new org.bouncycastle.util.io.pem.PemWriter(sec1)) {
      w.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1Key.getEncoded()));
    }
    String otherCa = TestCerts.ca("clients").certPem();
    PushContext ctx = PushContext.build(TestData.snapshot(GATEWAY.formatted("MUTUAL"), secret("web-cert", p.certPem(), sec1.toString(), null),
        secret("web-cert-cacert", null, null, otherCa)));
    assertThat(ctx.messages()).isEmpty();
    var r = ConfigGenerator.generate(ctx, TestData.gateway());
    assertThat(r.of(TypeUrls.LISTENER)).containsOnlyKeys("0.0.0.0_80", "0.0.0.0_443");
    Secret cert = (Secret) r.of(TypeUrls.SECRET).get("kubernetes://web-cert").message();
    assertThat(sec1.toString()).doesNotContain("BEGIN PRIVATE KEY");
    assertThat(cert.getTlsCertificate().getPrivateKey().getInlineString()).startsWith("-----BEGIN PRIVATE KEY-----");
    Secret ca = (Secret) r.of(TypeUrls.SECRET).get("kubernetes://web-cert-cacert").message();
    assertThat(ca.getValidationContext().getTrustedCa().getInlineString()).isEqualTo(otherCa);
  }

  @Test
  void rotatedSecretChangesOnlyTheSecretResource() {
    var p1 = TestData.CA.server("web.example.com");
    var p2 = TestData.CA.server("web.example.com");
    var before = ConfigGenerator.generate(PushContext.build(TestData.snapshot(GATEWAY.formatted("SIMPLE"), secret("web-cert", p1.certPem(), p1.keyPem(), null))), TestData.gateway());
    var after = ConfigGenerator.generate(PushContext.build(TestData.snapshot(GATEWAY.formatted("SIMPLE"), secret("web-cert", p2.certPem(), p2.keyPem(), null))), TestData.gateway());
    for (String t : List.of(TypeUrls.LISTENER, TypeUrls.ROUTE, TypeUrls.CLUSTER, TypeUrls.ENDPOINT)) {
      assertThat(after.version(t)).as(t).isEqualTo(before.version(t));
    }
    assertThat(after.version(TypeUrls.SECRET)).isNotEqualTo(before.version(TypeUrls.SECRET));
  }

  /** Session 1's report: HTTPS on 443 with a kubectl-made Secret (base64 data) on a router whose port_map maps only 80. */
  @Test
  void httpsGatewayWithKubectlSecretIsServedOnItsOwnPort() {
    var p = TestData.CA.server("web.example.com");
    java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
    String kubectlSecret = "apiVersion: v1\ndata:\n  tls.crt: " + b64.encodeToString(p.certPem().getBytes()) + "\n  tls.key: "
        + b64.encodeToString(p.keyPem().getBytes()) + "\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: web-cert\n"
        + "  namespace: default\ntype: kubernetes.io/tls\n";
    PushContext ctx = PushContext.build(TestData.snapshot(GATEWAY.formatted("SIMPLE"), kubectlSecret));
    assertThat(ctx.messages()).isEmpty();
    var r = ConfigGenerator.generate(ctx, TestData.gateway(java.util.Map.of("port_map", "80:8080")));
    assertThat(r.of(TypeUrls.LISTENER)).containsOnlyKeys("0.0.0.0_8080", "0.0.0.0_443");
    assertThat(r.of(TypeUrls.SECRET)).containsOnlyKeys("kubernetes://web-cert");
  }

  @Test
  void istioMutualIsReportedAsUnsupported() {
    PushContext ctx = PushContext.build(TestData.snapshot(GATEWAY.formatted("ISTIO_MUTUAL")));
    assertThat(errors(ctx)).containsExactly("Warning [MM0213] (Gateway default/web test0.yaml:1) spec.servers[1].tls.mode: ISTIO_MUTUAL is not supported"
        + " (Minimesh issues no mesh workload certificates); this server is not served");
    onlyHttpServed(ctx);
  }

  private static List<String> messagesOf(String yaml) {
    return errors(PushContext.build(TestData.snapshot(yaml)));
  }

  @Test
  void impossibleResilienceValuesAreErrors() {
    String dr = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews
          trafficPolicy:
            connectionPool:
              tcp: {maxConnections: -1, connectTimeout: -2s}
              http: {http1MaxPendingRequests: -5, idleTimeout: 1x}
            outlierDetection: {consecutive5xxErrors: -1, maxEjectionPercent: 101, interval: 0s}
        """;
    assertThat(messagesOf(dr)).containsExactly(
        "Error [MM0201] (DestinationRule default/reviews test0.yaml:1) spec.trafficPolicy.connectionPool.tcp.maxConnections: must be >= 0, got -1",
        "Error [MM0203] (DestinationRule default/reviews test0.yaml:1) spec.trafficPolicy.connectionPool.tcp.connectTimeout: duration must be positive, got \"-2s\"",
        "Error [MM0201] (DestinationRule default/reviews test0.yaml:1) spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests: must be >= 0, got -5",
        "Error [MM0203] (DestinationRule default/reviews test0.yaml:1) spec.trafficPolicy.connectionPool.http.idleTimeout: invalid duration \"1x\" (expected e.g. \"1s\", \"500ms\", \"1m30s\")",
        "Error [MM0201] (DestinationRule default/reviews test0.yaml:1) spec.trafficPolicy.outlierDetection.consecutive5xxErrors: must be >= 0, got -1",
        "Error [MM0203] (DestinationRule default/reviews test0.yaml:1) spec.trafficPolicy.outlierDetection.interval: duration must be positive, got \"0s\"",
        "Error [MM0204] (DestinationRule default/reviews test0.yaml:1) spec.trafficPolicy.outlierDetection.maxEjectionPercent: must be in [0, 100], got 101");
  }

  @Test
  void impossibleRouteResilienceValuesAreErrors() {
    String vs = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews]
          http:
          - route: [{destination: {host: reviews}}]
            retries: {attempts: 2, retryOn: "5xx,sometimes"}
            fault: {abort: {httpStatus: 503, percentage: {value: 150}}}
            mirror: {host: shadow}
            mirrorPercentage: {value: -1}
        """;
    assertThat(messagesOf(vs)).containsExactly(
        "Error [MM0206] (VirtualService default/reviews test0.yaml:1) spec.http[0].retries.retryOn: unknown retry condition \"sometimes\"",
        "Error [MM0204] (VirtualService default/reviews test0.yaml:1) spec.http[0].fault.abort.percentage.value: must be in [0, 100], got 150.0",
        "Error [MM0204] (VirtualService default/reviews test0.yaml:1) spec.http[0].mirrorPercentage.value: must be in [0, 100], got -1.0");
  }

  @Test
  void failoverWithoutOutlierDetectionIsAWarning() {
    String dr = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer:
              localityLbSetting:
                failover: [{from: us-east, to: eu-west}]
        """;
    assertThat(messagesOf(dr)).containsExactly("Warning [MM0214] (DestinationRule default/reviews test0.yaml:1) spec.trafficPolicy.loadBalancer.localityLbSetting:"
        + " failover needs outlierDetection in the same traffic policy (without it unhealthy endpoints are never detected); failover is not applied");
  }

  @Test
  void invalidLocalRateLimitIsRejected() {
    String rl = """
        apiVersion: networking.minimesh.io/v1alpha1
        kind: LocalRateLimit
        metadata: {name: rl, namespace: default}
        spec:
          scope: ROUTE
          tokenBucket: {maxTokens: 0, tokensPerFill: -1, fillInterval: 10ms}
          statusCode: 200
        """;
    PushContext ctx = PushContext.build(TestData.snapshot(rl));
    assertThat(errors(ctx)).containsExactly(
        "Error [MM0004] (LocalRateLimit default/rl test0.yaml:1) spec.route: is required for scope ROUTE",
        "Error [MM0201] (LocalRateLimit default/rl test0.yaml:1) spec.tokenBucket.maxTokens: must be >= 1, got 0",
        "Error [MM0201] (LocalRateLimit default/rl test0.yaml:1) spec.tokenBucket.tokensPerFill: must be >= 1, got -1",
        "Error [MM0203] (LocalRateLimit default/rl test0.yaml:1) spec.tokenBucket.fillInterval: must be at least 50ms, got \"10ms\"",
        "Error [MM0211] (LocalRateLimit default/rl test0.yaml:1) spec.statusCode: must be in [400, 599], got 200");
    assertThat(ctx.localRateLimits()).isEmpty();
  }
}
