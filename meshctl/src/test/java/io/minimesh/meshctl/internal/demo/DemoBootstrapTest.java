package io.minimesh.meshctl.internal.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.meshctl.Golden;
import io.minimesh.meshctl.MeshctlException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoBootstrapTest {
  @TempDir Path tmp;

  static final DemoBootstrap.Ingress INGRESS =
      new DemoBootstrap.Ingress(
          "ingressgateway.demo", "127.0.0.1", 18080, 15000, "webapp.demo.svc.cluster.local", 80, "127.0.0.1", 41234);

  @Test
  void ingressBootstrapIsTheMinimeshFormat() throws Exception {
    Path file = LocalDemo.writeBootstrap(tmp.resolve("b.json"), DemoBootstrap.ingress(INGRESS));
    String json = Files.readString(file);
    Golden.assertMatches("demo-ingress-bootstrap.json", json);
    // Strict parse (unknown fields are errors): what the proxy's bootstrap loader will read.
    Bootstrap b = JsonPrinter.parse(json, Bootstrap.newBuilder()).build();
    assertThat(b.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(15000);
    assertThat(b.getNode().getId()).isEqualTo("ingressgateway.demo");
    assertThat(b.getNode().getNamespace()).isEqualTo("demo");
    assertThat(b.getNode().getAdminAddress()).isEqualTo("127.0.0.1:15000");
    var listener = b.getStaticResources().getListeners(0);
    assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(18080);
    var hcm = listener.getFilterChains(0).getFilters(0).getHttpConnectionManager();
    var route = hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0);
    assertThat(route.getMatch().getPrefix()).isEqualTo("/");
    assertThat(route.getRoute().getCluster()).isEqualTo("outbound|80||webapp.demo.svc.cluster.local");
    Cluster c = b.getStaticResources().getClusters(0);
    assertThat(c.getName()).isEqualTo(route.getRoute().getCluster());
    assertThat(c.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    var ep = c.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
    assertThat(ep.getAddress()).isEqualTo("127.0.0.1");
    assertThat(ep.getPortValue()).isEqualTo(41234);
  }

  @Test
  void siblingJarsAreFoundNextToMeshctl() {
    Path repo = Path.of("/src/minimesh");
    assertThat(SiblingJars.repoOf(repo.resolve("meshctl/target/minimesh-meshctl-exec.jar"))).isEqualTo(repo);
    assertThat(SiblingJars.repoOf(repo.resolve("meshctl/target/classes"))).isEqualTo(repo);
  }

  @Test
  void siblingJarCommandUsesTheRoleFlags() throws Exception {
    Path jar = tmp.resolve("testapp/target/minimesh-testapp-exec.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "");
    List<String> cmd = new SiblingJars(tmp, "/opt/jdk/bin/java").command("testapp", List.of("--name", "webapp"));
    assertThat(cmd).containsExactly(
        "/opt/jdk/bin/java", "-XX:+UseSerialGC", "-Xmx128m", "-jar", jar.toString(), "--name", "webapp");
  }

  @Test
  void missingSiblingJarSaysHowToBuildIt() {
    assertThatThrownBy(() -> new SiblingJars(tmp, "java").command("dataplane", List.of()))
        .isInstanceOf(MeshctlException.class)
        .hasMessageContaining("cannot find " + tmp.resolve("dataplane/target/minimesh-dataplane-exec.jar"))
        .hasMessageContaining("./mvnw -B -pl dataplane -am package -DskipTests")
        .hasMessageContaining("--repo-dir");
  }
}
