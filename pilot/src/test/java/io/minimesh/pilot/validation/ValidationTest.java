package io.minimesh.pilot.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.xds.ConfigGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each bad resource is rejected with a message naming it, the file/line and the field; the rest applies. */
class ValidationTest {
  private static final String GOOD_VS = """
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: good, namespace: default}
      spec:
        hosts: [good.example.com]
        http:
        - route:
          - destination: {host: good.example.com}
      """;

  private static List<String> messages(String yaml) {
    PushContext ctx = PushContext.build(TestData.snapshot(GOOD_VS, yaml));
    assertThat(ctx.virtualServices()).extracting(r -> r.name()).contains("good");
    return ctx.messages().stream().map(Object::toString).toList();
  }

  private static String vs(String httpRoute) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: bad, namespace: default}
        spec:
          hosts: [bad.example.com]
          http:
        """ + httpRoute.indent(2);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      regex       | - match: [{uri: {regex: '(unclosed'}}]\\n  route: [{destination: {host: a}}]                              | MM0202 | spec.http[0].match[0].uri.regex
      weights     | - route: [{destination: {host: a}, weight: 60}, {destination: {host: b}, weight: 60}]                 | MM0205 | weights must sum to 100, got 120
      duration    | - timeout: 1x\\n  route: [{destination: {host: a}}]                                                  | MM0203 | spec.http[0].timeout
      negative    | - timeout: -1s\\n  route: [{destination: {host: a}}]                                                 | MM0203 | must be >= 0
      percent     | - fault: {abort: {httpStatus: 503, percentage: {value: 150}}}\\n  route: [{destination: {host: a}}]   | MM0204 | spec.http[0].fault.abort.percentage.value
      retryOn     | - retries: {attempts: 2, retryOn: "5xx,bogus"}\\n  route: [{destination: {host: a}}]                     | MM0206 | unknown retry condition "bogus"
      status      | - directResponse: {status: 99}                                                                         | MM0211 | spec.http[0].directResponse.status
      noaction    | - match: [{uri: {prefix: /}}]                                                                          | MM0004 | one of route, redirect, directResponse or delegate is required
      unknown     | - route: [{destination: {hots: a}}]                                                                    | MM0003 | unknown field "spec.http[0].route[0].destination.hots"
      """)
  void badVirtualServiceIsRejectedAndNamed(String name, String route, String code, String text) {
    List<String> msgs = messages(vs(route.replace("\\n", "\n")));
    assertThat(msgs).anySatisfy(m -> assertThat(m).startsWith("Error [" + code + "] (VirtualService default/bad test1.yaml:1)").contains(text));
  }

  @Test
  void invalidResourceIsNotApplied() {
    PushContext ctx = PushContext.build(TestData.snapshot(GOOD_VS, vs("- timeout: nope\n  route: [{destination: {host: a}}]")));
    assertThat(ctx.virtualServices()).extracting(r -> r.name()).containsExactly("good");
    assertThat(ctx.rejected()).isEqualTo(1);
  }

  @Test
  void messageNamesTheLineOfTheDocumentInAMultiDocumentFile() {
    PushContext ctx = PushContext.build(TestData.snapshot(GOOD_VS + "---\n" + vs("- timeout: nope\n  route: [{destination: {host: a}}]")));
    assertThat(ctx.messages()).extracting(Object::toString)
        .anySatisfy(m -> assertThat(m).startsWith("Error [MM0203] (VirtualService default/bad test0.yaml:10) spec.http[0].timeout"));
  }

  @Test
  void referencedGatewayNotFoundIsReportedLikeIstioctl() {
    String yaml = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: webapp, namespace: default}
        spec:
          hosts: [webapp.example.com]
          gateways: [coolstore-gateway]
          http:
          - route:
            - destination: {host: ratings}
        """;
    List<String> msgs = PushContext.build(TestData.snapshot(yaml)).messages().stream().map(Object::toString).toList();
    assertThat(msgs).contains(
        "Error [MM0101] (VirtualService default/webapp test0.yaml:1) referenced gateway not found: \"coolstore-gateway\"",
        "Error [MM0102] (VirtualService default/webapp test0.yaml:1) referenced host not found: \"ratings\"");
  }

  @Test
  void yamlSyntaxErrorAndUnknownKindAreReportedWithoutLosingOtherDocuments() {
    PushContext ctx = PushContext.build(TestData.snapshot(GOOD_VS, "a: [unclosed", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"));
    assertThat(ctx.virtualServices()).hasSize(1);
    assertThat(ctx.messages()).extracting(Object::toString)
        .anySatisfy(m -> assertThat(m).startsWith("Error [MM0001] (test1.yaml)"))
        .anySatisfy(m -> assertThat(m).startsWith("Warning [MM0002] (ConfigMap default/x test2.yaml:1) ConfigMap (v1) ignored"));
  }

  @Test
  void otherKindsInTheSameFileAreSkippedWithAWarningButTyposAreErrors() {
    String other = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: reviews-v1}
        spec: {replicas: 1}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: bookinfo-reviews}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-all}
        spec: {}
        ---
        apiVersion: security.istio.io/v1beta1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {name: mesh-default, namespace: istio-system}
        spec: {accessLogging: [{providers: [{name: envoy}]}]}
        ---
        apiVersion: networking.istio.io/v1alpha3
        kind: EnvoyFilter
        metadata: {name: custom}
        spec: {configPatches: []}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualSevice
        metadata: {name: typo}
        """;
    PushContext ctx = PushContext.build(TestData.snapshot(GOOD_VS + "---\n" + other));
    assertThat(ctx.virtualServices()).hasSize(1);
    List<String> msgs = ctx.messages().stream().map(Object::toString).toList();
    assertThat(msgs).filteredOn(m -> m.startsWith("Warning [MM0002]")).hasSize(6)
        .anySatisfy(m -> assertThat(m).contains("(AuthorizationPolicy default/deny-all test0.yaml:")
            .contains("not implemented by Minimesh, not enforced"))
        .anySatisfy(m -> assertThat(m).contains("Deployment (apps/v1) ignored: not an Istio networking resource"));
    assertThat(msgs).filteredOn(m -> m.startsWith("Error [MM0002]")).singleElement().asString()
        .contains("(VirtualSevice default/typo").contains("unsupported kind/apiVersion");
  }

  @Test
  void allServedVersionsParse() {
    for (String v : List.of("v1alpha3", "v1beta1", "v1")) {
      PushContext ctx = PushContext.build(TestData.snapshot(GOOD_VS.replace("networking.istio.io/v1", "networking.istio.io/" + v)));
      assertThat(ctx.virtualServices()).as(v).hasSize(1);
    }
  }

  @Test
  void badDestinationRuleValuesAreRejected() {
    String dr = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: bad}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer: {simple: FASTEST}
            connectionPool: {tcp: {maxConnections: -1}}
            outlierDetection: {maxEjectionPercent: 120, interval: 0s}
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v1, labels: {version: v2}}
        """;
    List<String> msgs = messages(dr);
    assertThat(msgs).anySatisfy(m -> assertThat(m).contains("spec.trafficPolicy.loadBalancer.simple: unknown load balancer \"FASTEST\""))
        .anySatisfy(m -> assertThat(m).contains("spec.trafficPolicy.connectionPool.tcp.maxConnections: must be >= 0"))
        .anySatisfy(m -> assertThat(m).contains("spec.trafficPolicy.outlierDetection.maxEjectionPercent"))
        .anySatisfy(m -> assertThat(m).contains("spec.trafficPolicy.outlierDetection.interval: duration must be positive"))
        .anySatisfy(m -> assertThat(m).contains("duplicate subset name \"v1\""));
  }

  @Test
  void gatewayWithMissingSecretKeepsItsOtherServers() {
    String gw = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: 80, name: http, protocol: HTTP}
            hosts: ["*"]
          - port: {number: 443, name: https, protocol: HTTPS}
            hosts: ["*"]
            tls: {mode: SIMPLE, credentialName: missing-cert}
        """;
    PushContext ctx = PushContext.build(TestData.snapshot(gw));
    assertThat(ctx.messages()).extracting(Object::toString).anySatisfy(m -> assertThat(m)
        .isEqualTo("Error [MM0104] (Gateway default/gw test0.yaml:1) spec.servers[1].tls.credentialName: \"missing-cert\": secret default/missing-cert not found (server not served)"));
    var r = ConfigGenerator.generate(ctx, TestData.gateway());
    assertThat(r.of(TypeUrls.LISTENER)).containsOnlyKeys("0.0.0.0_80");
  }

  @Test
  void malformedCertificateIsAnErrorNamingTheSecret() {
    String secret = """
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/tls
        metadata: {name: cert, namespace: default}
        stringData:
          tls.crt: not a certificate
          tls.key: not a key
        """;
    PushContext ctx = PushContext.build(TestData.snapshot(secret));
    assertThat(ctx.messages()).extracting(Object::toString).anySatisfy(m -> assertThat(m).startsWith("Error [MM0210] (Secret default/cert test0.yaml:1) data.tls.crt"));
    assertThat(ctx.secret("default", "cert")).isNull();
  }
}
