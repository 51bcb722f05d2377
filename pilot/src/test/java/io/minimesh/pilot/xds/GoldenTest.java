package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterDump;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.EndpointDump;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.ListenerDump;
import io.minimesh.api.xds.v1.RouteConfigDump;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.SecretDump;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files: the config generated for typical proxies from realistic Istio YAML, rendered as the
 * ConfigDump a proxy would show. Run with -DrefreshGolden=true to rewrite them after an intended change.
 */
class GoldenTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("webapp", "gateway", TestData.gateway(Map.of("port_map", "80:8080"))),
        Arguments.of("bookinfo", "gateway", TestData.gateway()),
        Arguments.of("bookinfo", "productpage-sidecar",
            TestData.sidecar("productpage-v1", "default", "10.0.0.10", Map.of("app", "productpage", "version", "v1"))),
        Arguments.of("httpbin", "gateway", TestData.gateway()),
        Arguments.of("httpbin", "client-sidecar", TestData.sidecar("sleep", "default", "10.5.0.1", Map.of("app", "sleep"))),
        Arguments.of("tcp", "gateway", TestData.gateway()),
        Arguments.of("tls", "gateway", TestData.gateway()),
        Arguments.of("ratelimit", "gateway", TestData.gateway(Map.of("port_map", "80:8080"))),
        Arguments.of("resilience", "productpage-sidecar",
            TestData.sidecar("productpage-v1", "default", "10.0.0.10", Map.of("app", "productpage"))),
        Arguments.of("sidecar", "web-sidecar", TestData.sidecar("web-1", "shop", "10.3.0.1", Map.of("app", "web"))),
        Arguments.of("local", "webapp-sidecar", TestData.localSidecar("webapp", "demo", "127.0.0.10", Map.of("app", "webapp", "version", "v1"))),
        Arguments.of("local", "catalog-v1-sidecar",
            TestData.localSidecar("catalog-v1", "demo", "127.0.0.11", Map.of("app", "catalog", "version", "v1"))));
  }

  @ParameterizedTest(name = "{0}/{1}")
  @MethodSource("cases")
  void matchesGolden(String input, String proxyName, Proxy proxy) throws IOException {
    PushContext ctx = TestData.context(input);
    assertThat(ctx.messages()).as("validation messages").filteredOn(m -> m.level().name().equals("Error")).isEmpty();
    // Certificates are generated per run: golden files show where PEM goes, not its bytes.
    String actual = JsonPrinter.print(dump(ConfigGenerator.generate(ctx, proxy))).replaceAll(
        "-----BEGIN ([A-Z ]+)-----[^\"]*?-----END [A-Z ]+-----(\\\\n)?", "<PEM $1>") + "\n";
    Path golden = Path.of("src/test/resources/golden", input, proxyName + ".json");
    if (Boolean.getBoolean("refreshGolden") || !Files.exists(golden)) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
  }

  /** Renders generated resources the way a proxy's /config_dump shows them (no versions/timestamps). */
  static ConfigDump dump(ProxyResources r) {
    ConfigDump.Builder d = ConfigDump.newBuilder();
    r.of(TypeUrls.LISTENER).values().forEach(x -> d.addListeners(ListenerDump.newBuilder().setListener((Listener) x.message())));
    r.of(TypeUrls.ROUTE).values().forEach(x -> d.addRouteConfigs(RouteConfigDump.newBuilder().setRouteConfig((RouteConfiguration) x.message())));
    r.of(TypeUrls.CLUSTER).values().forEach(x -> d.addClusters(ClusterDump.newBuilder().setCluster((Cluster) x.message())));
    r.of(TypeUrls.ENDPOINT).values().forEach(x -> d.addEndpoints(EndpointDump.newBuilder().setEndpointConfig((ClusterLoadAssignment) x.message())));
    r.of(TypeUrls.SECRET).values().forEach(x -> d.addSecrets(SecretDump.newBuilder().setSecret((Secret) x.message())));
    return d.build();
  }
}
