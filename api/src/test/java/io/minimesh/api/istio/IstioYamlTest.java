package io.minimesh.api.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IstioYamlTest {
  @Test
  void parsesAFullVirtualService() throws Exception {
    VirtualService vs = IstioYaml.parse("""
        apiVersion: networking.istio.io/v1beta1
        kind: VirtualService
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          hosts: [reviews]
          http:
          - name: jason
            match:
            - headers: {end-user: {exact: jason}}
              uri: {prefix: /api}
              queryParams: {v: {regex: "[0-9]+"}}
              ignoreUriCase: true
            route:
            - destination: {host: reviews, subset: v2, port: {number: 9080}}
              weight: 100
            timeout: 500ms
            retries: {attempts: 3, perTryTimeout: 1s, retryOn: "5xx,reset"}
            fault: {delay: {fixedDelay: 7s, percentage: {value: 0.1}}}
            mirror: {host: reviews-shadow}
            mirrorPercentage: {value: 5}
            corsPolicy: {allowOrigins: [{exact: "https://a.example"}], maxAge: 24h}
            headers: {request: {set: {x-a: b}}}
        """, VirtualService.class);
    var r = vs.getSpec().http.get(0);
    assertThat(r.match.get(0).headers.get("end-user").exact).isEqualTo("jason");
    assertThat(r.route.get(0).destination.port.number).isEqualTo(9080);
    assertThat(r.retries.retryOn).isEqualTo("5xx,reset");
    assertThat(r.fault.delay.percentage.value).isEqualTo(0.1);
    assertThat(vs.getMetadata().getNamespace()).isEqualTo("bookinfo");
  }

  @Test
  void unknownFieldIsAnErrorNamingItsPath() {
    assertThatThrownBy(() -> IstioYaml.parse("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: r}
        spec:
          host: reviews
          trafficPolicy:
            connectionPool:
              tcp: {maxConnection: 1}
        """, DestinationRule.class))
        .isInstanceOf(IstioYaml.ParseException.class)
        .hasMessage("unknown field \"spec.trafficPolicy.connectionPool.tcp.maxConnection\"");
  }

  @Test
  void unknownTopLevelFieldIsAnError() {
    assertThatThrownBy(() -> IstioYaml.parse("""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: s}
        spce: {}
        """, Sidecar.class))
        .hasMessage("unknown field \"spce\"");
  }

  @Test
  void wrongTypeNamesTheField() {
    assertThatThrownBy(() -> IstioYaml.parse("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: e}
        spec:
          hosts: [a.example.com]
          ports: [{number: eighty, name: http}]
        """, ServiceEntry.class))
        .hasMessageStartingWith("invalid value for field \"spec.ports[0].number\"");
  }

  @Test
  void multiDocumentStreamKeepsLineNumbers() throws Exception {
    var docs = IstioYaml.documents("# c\na: 1\n---\n\n---\nb: 2\n");
    assertThat(docs).extracting(IstioYaml.Document::line).containsExactly(2, 6);
  }

  @Test
  void durationsUseIstioSyntax() {
    assertThat(IstioDuration.parse("1s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(IstioDuration.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(IstioDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(IstioDuration.parse("0.5s")).isEqualTo(Duration.ofMillis(500));
    assertThat(IstioDuration.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(IstioDuration.parse("0")).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> IstioDuration.parse("5")).hasMessageContaining("invalid duration \"5\"");
    assertThatThrownBy(() -> IstioDuration.parse("1sec")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyKindIsServedInAllVersions() {
    assertThat(IstioKinds.KINDS).containsOnlyKeys("Gateway", "VirtualService", "DestinationRule", "ServiceEntry", "WorkloadEntry", "Sidecar");
    assertThat(IstioKinds.isServedApiVersion("networking.istio.io/v1alpha3")).isTrue();
    assertThat(IstioKinds.isServedApiVersion("networking.istio.io/v2")).isFalse();
    assertThat(new Gateway().getApiVersion()).isEqualTo("networking.istio.io/v1");
    assertThat(new Gateway().getKind()).isEqualTo("Gateway");
  }
}
