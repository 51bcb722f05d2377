package io.minimesh.pilot.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.minimesh.pilot.Golden;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InjectorTest {
  static final KubernetesSerialization K = new KubernetesSerialization();
  static final InjectionConfig CONFIG = InjectionConfig.builder().proxyImage("minimesh/proxy:test").build();

  static Pod pod(String file) {
    return K.unmarshal(Golden.resource("inject/" + file), Pod.class);
  }

  static Pod plain(Map<String, String> labels, Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withName("p").withNamespace("default").withLabels(labels)
        .withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec().build();
  }

  static List<String> names(List<Container> cs) {
    return cs == null ? List.of() : cs.stream().map(Container::getName).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sidecar", "hold", "gateway"})
  void injectedPodMatchesGolden(String name) {
    Map<String, String> ns = name.equals("sidecar") ? Map.of("istio-injection", "enabled") : Map.of();
    Pod injected = Injector.inject(pod(name + ".yaml"), ns, CONFIG);
    Golden.assertMatches("inject/" + name + ".yaml", K.asYaml(injected));
  }

  @Test
  void sidecarHasInitContainerProxyAndRewrittenProbes() {
    Pod p = Injector.inject(pod("sidecar.yaml"), Map.of("istio-injection", "enabled"), CONFIG);
    assertThat(names(p.getSpec().getInitContainers())).containsExactly("minimesh-init");
    assertThat(names(p.getSpec().getContainers())).containsExactly("reviews", "minimesh-proxy");
    Container proxy = p.getSpec().getContainers().get(1);
    assertThat(proxy.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
    assertThat(proxy.getArgs()).startsWith("proxy", "sidecar");
    assertThat(proxy.getEnv()).extracting("name").contains("POD_NAME", "POD_NAMESPACE", "INSTANCE_IP", "SERVICE_ACCOUNT");
    assertThat(proxy.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz/ready");
    Container app = p.getSpec().getContainers().get(0);
    assertThat(app.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/app-health/reviews/livez");
    assertThat(app.getLivenessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15020);
    assertThat(app.getReadinessProbe().getTcpSocket()).isNull();
    assertThat(app.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/app-health/reviews/readyz");
    assertThat(app.getStartupProbe().getExec()).isNotNull();
    String probers = proxy.getEnv().stream().filter(e -> e.getName().equals(Injector.APP_PROBERS_ENV)).findFirst().orElseThrow().getValue();
    assertThat(probers).contains("\"/app-health/reviews/livez\":{\"httpGet\":{\"path\":\"/health\",\"port\":9080");
    Container init = p.getSpec().getInitContainers().get(0);
    assertThat(init.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN", "NET_RAW");
    assertThat(init.getSecurityContext().getRunAsUser()).isZero();
    assertThat(p.getMetadata().getAnnotations()).containsKey(Injector.STATUS_ANNOTATION);
  }

  @Test
  void holdPutsProxyFirstWithPostStartWait() {
    Pod p = Injector.inject(pod("hold.yaml"), Map.of(), CONFIG);
    assertThat(names(p.getSpec().getContainers())).containsExactly("minimesh-proxy", "httpbin");
    assertThat(p.getSpec().getContainers().get(0).getLifecycle().getPostStart().getExec().getCommand())
        .containsExactly("pilot-agent", "wait");
    assertThat(names(p.getSpec().getInitContainers())).containsExactly("minimesh-init", "migrate");
    assertThat(p.getSpec().getInitContainers().get(0).getArgs())
        .containsSequence("-o", "5432,6379").containsSequence("-b", "8080").containsSequence("-x", "169.254.169.254/32");
  }

  @Test
  void gatewayTemplateGivesRouterWithoutInitContainer() {
    Pod p = Injector.inject(pod("gateway.yaml"), Map.of(), CONFIG);
    assertThat(p.getSpec().getInitContainers()).isNullOrEmpty();
    assertThat(names(p.getSpec().getContainers())).containsExactly("minimesh-proxy");
    Container proxy = p.getSpec().getContainers().get(0);
    assertThat(proxy.getArgs()).startsWith("proxy", "router");
    assertThat(proxy.getImage()).isEqualTo("minimesh/proxy:test");
    assertThat(proxy.getPorts()).extracting("containerPort").contains(8080, 8443, 15021, 15090);
  }

  @Test
  void injectingTwiceChangesNothing() {
    Pod once = Injector.inject(pod("sidecar.yaml"), Map.of("istio-injection", "enabled"), CONFIG);
    Pod twice = Injector.inject(once, Map.of("istio-injection", "enabled"), CONFIG);
    assertThat(K.asJson(twice)).isEqualTo(K.asJson(once));
    assertThat(Injector.decide(once, Map.of("istio-injection", "enabled")).reason()).isEqualTo("already injected");
  }

  @Test
  void inputIsNotModified() {
    Pod in = pod("sidecar.yaml");
    String before = K.asJson(in);
    Injector.inject(in, Map.of("istio-injection", "enabled"), CONFIG);
    assertThat(K.asJson(in)).isEqualTo(before);
  }

  @Test
  void optInAndOutRules() {
    Map<String, String> none = Map.of();
    assertThat(Injector.decide(plain(none, none), none).inject()).isFalse();
    assertThat(Injector.decide(plain(none, Map.of("sidecar.minimesh.io/inject", "true")), none).inject()).isTrue();
    assertThat(Injector.decide(plain(Map.of("sidecar.minimesh.io/inject", "true"), none), none).inject()).isTrue();
    assertThat(Injector.decide(plain(Map.of("sidecar.istio.io/inject", "true"), none), none).inject()).isTrue();
    assertThat(Injector.decide(plain(none, Map.of("sidecar.istio.io/inject", "true")), none).inject()).isTrue();
    assertThat(Injector.decide(plain(none, none), Map.of("minimesh-injection", "enabled")).inject()).isTrue();
    assertThat(Injector.decide(plain(none, none), Map.of("istio-injection", "enabled")).inject()).isTrue();
    assertThat(Injector.decide(plain(none, Map.of("sidecar.minimesh.io/inject", "false")), Map.of("minimesh-injection", "enabled")).inject()).isFalse();
    assertThat(Injector.decide(plain(Map.of("sidecar.istio.io/inject", "false"), none), Map.of("istio-injection", "enabled")).inject()).isFalse();
    assertThat(Injector.decide(plain(Map.of("sidecar.istio.io/inject", "true"), none), Map.of("istio-injection", "disabled")).inject()).isFalse();
    assertThat(Injector.decide(plain(none, none), Map.of("istio.io/rev", "default")).inject()).isTrue();
    assertThat(Injector.decide(plain(none, none), Map.of("minimesh-injection", "enabled", "kubernetes.io/metadata.name", "x")).reason())
        .isEqualTo("namespace opts in (label minimesh-injection=enabled)");
    assertThat(Injector.decide(plain(none, none), none).reason()).isEqualTo("neither the pod nor its namespace opts in");
    Decision d = Injector.decide(plain(none, Map.of("sidecar.istio.io/inject", "false")), Map.of("istio-injection", "enabled"));
    assertThat(d.reason()).isEqualTo("pod opts out (annotation sidecar.istio.io/inject=false)");
  }

  @Test
  void hostNetworkPodsAreSkipped() {
    Pod p = plain(Map.of("sidecar.minimesh.io/inject", "true"), Map.of());
    p.getSpec().setHostNetwork(true);
    assertThat(Injector.decide(p, Map.of()).reason()).isEqualTo("hostNetwork pod");
    assertThat(K.asJson(Injector.inject(p, Map.of(), CONFIG))).isEqualTo(K.asJson(p));
  }

  @Test
  void malformedAnnotationIsAClearError() {
    Pod p = plain(Map.of("sidecar.minimesh.io/inject", "true"), Map.of("traffic.sidecar.istio.io/excludeOutboundPorts", "http"));
    assertThatThrownBy(() -> Injector.inject(p, Map.of(), CONFIG)).isInstanceOf(InjectionException.class)
        .hasMessage("pod default/p: annotation traffic.sidecar.istio.io/excludeOutboundPorts: \"http\" is not a comma-separated list of ports 1-65535");
  }

  @Test
  void manualInjectionOfATemplateInjectsUnlessOptedOut() {
    PodTemplateSpec t = new PodTemplateSpec(plain(Map.of("app", "x"), Map.of()).getMetadata(), plain(Map.of(), Map.of()).getSpec());
    PodTemplateSpec out = Injector.inject(t, "default", CONFIG);
    assertThat(names(out.getSpec().getContainers())).containsExactly("app", "minimesh-proxy");
    t.getMetadata().setAnnotations(Map.of("sidecar.istio.io/inject", "false"));
    assertThat(names(Injector.inject(t, "default", CONFIG).getSpec().getContainers())).containsExactly("app");
  }

  @Test
  void configValidatesItsFields() {
    assertThatThrownBy(() -> InjectionConfig.builder().discoveryAddress("pilot").build())
        .hasMessage("InjectionConfig.discoveryAddress: \"pilot\" is not HOST:PORT");
    assertThatThrownBy(() -> InjectionConfig.builder().imagePullPolicy("Sometimes").build())
        .hasMessageContaining("imagePullPolicy");
  }
}
