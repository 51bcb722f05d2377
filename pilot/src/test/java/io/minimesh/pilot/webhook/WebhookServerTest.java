package io.minimesh.pilot.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import io.minimesh.pilot.Golden;
import io.minimesh.pilot.inject.InjectionConfig;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The webhook over real HTTPS, fed AdmissionReview v1 JSON as the API server sends it. */
class WebhookServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final KubernetesSerialization K = new KubernetesSerialization();
  static final tools.jackson.databind.ObjectMapper J3 = new tools.jackson.databind.ObjectMapper();
  static final Map<String, Map<String, String>> NAMESPACES = Map.of(
      "bookinfo", Map.of("istio-injection", "enabled"), "plain", Map.of());
  static WebhookServer server;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    WebhookCerts certs = WebhookCerts.selfSigned(List.of("localhost"), Duration.ofDays(1));
    AdmissionHandler handler = new AdmissionHandler(InjectionConfig.builder().proxyImage("minimesh/proxy:test").build(), NAMESPACES::get);
    server = new WebhookServer(new InetSocketAddress("127.0.0.1", 0), certs, handler).start();
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(certs.caPem().getBytes(StandardCharsets.US_ASCII))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    http = HttpClient.newBuilder().sslContext(ctx).build();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode review(String path, ObjectNode review) throws Exception {
    HttpResponse<String> r = post(path, review.toString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode out = JSON.readTree(r.body());
    assertThat(out.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
    assertThat(out.path("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(out.path("response").path("uid").asText()).isEqualTo(review.path("request").path("uid").asText());
    return out.get("response");
  }

  static ObjectNode podReview() throws Exception {
    return (ObjectNode) JSON.readTree(Golden.resource("webhook/pod-review.json"));
  }

  /** Applies the response's JSONPatch to the request's pod, as the API server does. */
  static JsonNode patched(ObjectNode review, JsonNode response) throws Exception {
    assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
    byte[] patch = Base64.getDecoder().decode(response.path("patch").asText());
    tools.jackson.databind.JsonNode pod = J3.readTree(review.path("request").path("object").toString());
    return JSON.readTree(J3.writeValueAsString(JsonPatch.apply(J3.readTree(patch), pod)));
  }

  @Test
  void injectReturnsAPatchThatGivesTheInjectedPod() throws Exception {
    ObjectNode review = podReview();
    JsonNode response = review("/inject", review);
    assertThat(response.path("allowed").asBoolean()).isTrue();
    JsonNode pod = patched(review, response);
    // Untouched parts of the API server's pod survive exactly (managedFields, tolerations, volumes).
    assertThat(pod.path("metadata").path("managedFields")).isEqualTo(review.path("request").path("object").path("metadata").path("managedFields"));
    assertThat(pod.path("spec").path("tolerations")).isEqualTo(review.path("request").path("object").path("spec").path("tolerations"));
    Pod typed = K.unmarshal(pod.toString(), Pod.class);
    typed.getMetadata().setManagedFields(null);
    Golden.assertMatches("webhook/reviews-pod.yaml", K.asYaml(typed));
    assertThat(typed.getSpec().getContainers()).extracting("name").containsExactly("reviews", "minimesh-proxy");
    assertThat(typed.getSpec().getInitContainers()).extracting("name").containsExactly("minimesh-init");
  }

  @Test
  void injectingAnInjectedPodGivesNoPatch() throws Exception {
    ObjectNode review = podReview();
    JsonNode pod = patched(review, review("/inject", review));
    ((ObjectNode) review.get("request")).set("object", pod);
    JsonNode again = review("/inject", review);
    assertThat(again.path("allowed").asBoolean()).isTrue();
    assertThat(again.has("patch")).isFalse();
  }

  @Test
  void optOutHostNetworkAndUninjectedNamespacesGiveNoPatch() throws Exception {
    ObjectNode optOut = podReview();
    ((ObjectNode) optOut.path("request").path("object").path("metadata")).putObject("annotations").put("sidecar.istio.io/inject", "false");
    assertThat(review("/inject", optOut).has("patch")).isFalse();

    ObjectNode host = podReview();
    ((ObjectNode) host.path("request").path("object").path("spec")).put("hostNetwork", true);
    assertThat(review("/inject", host).has("patch")).isFalse();

    ObjectNode plain = podReview();
    ((ObjectNode) plain.get("request")).put("namespace", "plain");
    assertThat(review("/inject", plain).has("patch")).isFalse();
    ((ObjectNode) plain.path("request").path("object").path("metadata").path("labels")).put("sidecar.minimesh.io/inject", "true");
    assertThat(review("/inject", plain).has("patch")).isTrue();
  }

  @Test
  void malformedAnnotationIsRefusedWithTheReason() throws Exception {
    ObjectNode review = podReview();
    ((ObjectNode) review.path("request").path("object").path("metadata")).putObject("annotations")
        .put("sidecar.istio.io/proxyCPU", "lots");
    JsonNode response = review("/inject", review);
    assertThat(response.path("allowed").asBoolean()).isFalse();
    assertThat(response.path("status").path("message").asText())
        .isEqualTo("pod bookinfo/reviews-v1-5d8f7c9b4-*: annotation sidecar.istio.io/proxyCPU: \"lots\" is not a Kubernetes quantity (e.g. 100m, 128Mi)");
  }

  @Test
  void validateRejectsABadVirtualServiceWithTheDirectoryModeMessage() throws Exception {
    ObjectNode bad = (ObjectNode) JSON.readTree(Golden.resource("webhook/vs-review.json").replace("TIMEOUT", "forever"));
    JsonNode response = review("/validate", bad);
    assertThat(response.path("allowed").asBoolean()).isFalse();
    assertThat(response.path("status").path("code").asInt()).isEqualTo(400);
    assertThat(response.path("status").path("message").asText()).isEqualTo(
        "Error [MM0203] (VirtualService bookinfo/reviews) spec.http[0].timeout: invalid duration \"forever\" (expected e.g. \"1s\", \"500ms\", \"1m30s\")");

    ObjectNode good = (ObjectNode) JSON.readTree(Golden.resource("webhook/vs-review.json").replace("TIMEOUT", "5s"));
    assertThat(review("/validate", good).path("allowed").asBoolean()).isTrue();

    ObjectNode unknownField = (ObjectNode) JSON.readTree(Golden.resource("webhook/vs-review.json").replace("\"timeout\"", "\"timeoutt\""));
    assertThat(review("/validate", unknownField).path("status").path("message").asText()).startsWith("Error [MM0003] (VirtualService bookinfo/reviews)");
  }

  @Test
  void malformedRequestsGetClientErrors() throws Exception {
    assertThat(post("/inject", "{not json").statusCode()).isEqualTo(400);
    assertThat(post("/inject", "{\"kind\":\"AdmissionReview\",\"request\":{}}").body()).contains("request.uid is required");
    assertThat(post("/mutate", "{}").statusCode()).isEqualTo(404);
    HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/inject")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    HttpResponse<String> text = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/validate"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(text.statusCode()).isEqualTo(415);
  }
}
