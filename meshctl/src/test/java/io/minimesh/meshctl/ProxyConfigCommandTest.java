package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ConfigDump;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigCommandTest {
  @TempDir Path tmp;

  private Path gateway;
  private Path sidecar;
  private FakeAdmin admin;

  @BeforeEach
  void setUp() throws IOException {
    gateway = tmp.resolve("gateway.json");
    sidecar = tmp.resolve("sidecar.json");
    Files.writeString(gateway, JsonPrinter.print(Fixtures.gateway()));
    Files.writeString(sidecar, JsonPrinter.print(Fixtures.sidecar()));
    // The fixtures themselves are kept as golden files, so readers see the input of each view.
    Golden.assertMatches("fixtures/gateway-config-dump.json", JsonPrinter.print(Fixtures.gateway()) + "\n");
    Golden.assertMatches("fixtures/sidecar-config-dump.json", JsonPrinter.print(Fixtures.sidecar()) + "\n");
    admin = new FakeAdmin();
    admin.dump = Fixtures.gateway();
    admin.clustersJson = Fixtures.gatewayClustersJson();
  }

  @AfterEach
  void tearDown() {
    admin.close();
  }

  private String ok(String... args) {
    Cli.Result r = Cli.run(args);
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    return r.out();
  }

  @Test
  void listenersOfGatewayAndSidecar() {
    Golden.assertMatches("pc-listeners-gateway.txt", ok("proxy-config", "listeners", "-f", gateway.toString()));
    Golden.assertMatches("pc-listeners-sidecar.txt", ok("pc", "l", "-f", sidecar.toString()));
  }

  @Test
  void listenerFilters() {
    String out = ok("pc", "listeners", "-f", sidecar.toString(), "--port", "15006");
    assertThat(out.lines()).hasSize(3); // header + two chains of virtualInbound
    assertThat(out).contains("DestPort: 9080").contains("Inline Route: inbound|9080||").contains("DEFAULT");
    String tcp = ok("pc", "listeners", "-f", gateway.toString(), "--type", "TCP");
    assertThat(tcp).contains("SNI: mongo.example.com; Trans: tls").doesNotContain("Route:");
  }

  @Test
  void routesShowVirtualServiceHostAndMatch() {
    String out = ok("proxy-config", "routes", "-f", gateway.toString());
    Golden.assertMatches("pc-routes-gateway.txt", out);
    assertThat(out)
        .contains("bookinfo.example.com, bookinfo.example.com:*")
        .contains("/productpage")
        .contains("/static*")
        .contains("bookinfo.default");
    Golden.assertMatches("pc-routes-sidecar.txt", ok("pc", "r", "-f", sidecar.toString()));
  }

  @Test
  void routesFilteredByName() {
    String out = ok("pc", "routes", "-f", gateway.toString(), "--name", "http.8080");
    assertThat(out).doesNotContain("https.443");
    assertThat(out.lines().skip(1)).allMatch(l -> l.startsWith("http.8080"));
  }

  @Test
  void clustersSplitIstioNames() {
    String out = ok("proxy-config", "clusters", "-f", gateway.toString());
    Golden.assertMatches("pc-clusters-gateway.txt", out);
    assertThat(out).containsPattern("reviews.default.svc.cluster.local\\s+9080\\s+v1\\s+outbound\\s+EDS\\s+reviews.default");
    Golden.assertMatches("pc-clusters-sidecar.txt", ok("pc", "c", "-f", sidecar.toString()));
  }

  @Test
  void clusterFilters() {
    String out =
        ok("pc", "clusters", "-f", gateway.toString(), "--fqdn", "reviews.default.svc.cluster.local", "--subset", "v2");
    assertThat(out.lines()).hasSize(2);
    assertThat(out).contains("v2").doesNotContain(" v1 ");
    String inbound = ok("pc", "clusters", "-f", sidecar.toString(), "--direction", "inbound");
    assertThat(inbound.lines()).hasSize(2);
    assertThat(ok("pc", "clusters", "-f", sidecar.toString(), "--port", "27017")).contains("mongodb.default");
  }

  @Test
  void endpointsFromTheProxyClustersJson() throws IOException {
    Path clusters = tmp.resolve("clusters.json");
    Files.writeString(clusters, Fixtures.gatewayClustersJson());
    String out = ok("proxy-config", "endpoints", "-f", clusters.toString());
    Golden.assertMatches("pc-endpoints-gateway.txt", out);
    assertThat(out).containsPattern("127.0.0.12:9080\\s+HEALTHY\\s+FAILED");
    String unhealthy = ok("pc", "ep", "-f", clusters.toString(), "--status", "unhealthy");
    assertThat(unhealthy.lines()).hasSize(2);
    assertThat(unhealthy).contains("127.0.0.21:9080");
    assertThat(ok("pc", "ep", "-f", clusters.toString(), "--address", "127.0.0.11", "--port", "9080").lines()).hasSize(2);
  }

  @Test
  void hostsFailingActiveHealthChecksShowAsUnhealthy() throws IOException {
    Path clusters = tmp.resolve("clusters-hc.json");
    Files.writeString(clusters, """
        {"cluster_statuses":[{"name":"c","host_statuses":[
          {"address":{"socket_address":{"address":"10.0.0.1","port_value":80}},
           "health_status":{"eds_health_status":"HEALTHY","failed_active_health_check":true}},
          {"address":{"socket_address":{"address":"10.0.0.2","port_value":80}},
           "health_status":{"eds_health_status":"HEALTHY","failed_outlier_check":true}}]}]}
        """);
    String out = ok("pc", "ep", "-f", clusters.toString());
    assertThat(out).containsPattern("10.0.0.1:80\\s+UNHEALTHY\\s+OK\\s+c");
    assertThat(out).containsPattern("10.0.0.2:80\\s+HEALTHY\\s+FAILED\\s+c");
  }

  @Test
  void endpointsFromAConfigDump() {
    Golden.assertMatches("pc-endpoints-sidecar.txt", ok("pc", "endpoints", "-f", sidecar.toString()));
  }

  @Test
  void endpointsThroughTheAdminApi() {
    String out = ok("pc", "endpoints", "--admin-address", admin.address(), "--cluster", Fixtures.PRODUCTPAGE);
    assertThat(out.lines()).hasSize(3);
    assertThat(admin.requests).contains("GET /clusters?format=json");
  }

  @Test
  void secretsParseTheCertificates() {
    String out = ok("proxy-config", "secret", "-f", gateway.toString());
    Golden.assertMatches("pc-secret-gateway.txt", out);
    assertThat(out)
        .containsPattern("kubernetes://bookinfo-credential\\s+Cert Chain\\s+ACTIVE\\s+true\\s+139906848506580")
        .containsPattern("kubernetes://bookinfo-credential-cacert\\s+CA\\s+WARMING\\s+true\\s+439041101")
        .containsPattern("kubernetes://broken\\s+Cert Chain\\s+ACTIVE\\s+false");
  }

  @Test
  void bootstrapIsJsonOrYaml() {
    String json = ok("pc", "bootstrap", "-f", gateway.toString());
    Golden.assertMatches("pc-bootstrap-gateway.json", json);
    assertThat(json).contains("\"id\": \"istio-ingressgateway.istio-system\"");
    String yaml = ok("pc", "b", "-f", gateway.toString(), "-o", "yaml");
    assertThat(yaml).contains("id: istio-ingressgateway.istio-system").contains("ads_address: 127.0.0.1:15010");
  }

  @Test
  void allTables() {
    Golden.assertMatches("pc-all-sidecar.txt", ok("proxy-config", "all", "-f", sidecar.toString()));
  }

  @Test
  void jsonAndYamlOutputsAreTheSelectedResources() throws Exception {
    String json = ok("pc", "clusters", "-f", gateway.toString(), "--fqdn", "productpage.default.svc.cluster.local", "-o", "json");
    assertThat(json.strip()).startsWith("[").endsWith("]");
    Cluster parsed =
        JsonPrinter.parse(
                io.minimesh.meshctl.internal.output.Json.parse(json).get(0).toString(), Cluster.newBuilder())
            .build();
    assertThat(parsed.getName()).isEqualTo(Fixtures.PRODUCTPAGE);
    assertThat(parsed.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    String yaml = ok("pc", "routes", "-f", gateway.toString(), "--name", "http.8080", "-o", "yaml");
    assertThat(yaml).startsWith("- name: http.8080").contains("path: /productpage");
    String all = ok("pc", "all", "-f", gateway.toString(), "-o", "json");
    ConfigDump back = JsonPrinter.parse(all, ConfigDump.newBuilder()).build();
    assertThat(back).isEqualTo(Fixtures.gateway());
  }

  @Test
  void readsAYamlDump() throws IOException {
    String yaml = ok("pc", "all", "-f", gateway.toString(), "-o", "yaml");
    Path y = tmp.resolve("dump.yaml");
    Files.writeString(y, yaml);
    assertThat(ok("pc", "routes", "-f", y.toString())).isEqualTo(ok("pc", "routes", "-f", gateway.toString()));
  }

  @Test
  void viewsThroughTheAdminApiMatchTheFileViews() {
    assertThat(ok("pc", "routes", "--admin-address", admin.address()))
        .isEqualTo(ok("pc", "routes", "-f", gateway.toString()));
    assertThat(admin.requests).contains("GET /config_dump");
  }

  @Test
  void logLevels() {
    String out = ok("pc", "log", "--admin-address", admin.address(), "--level", "debug");
    assertThat(admin.requests).contains("POST /logging?level=debug");
    assertThat(out).contains("admin: debug");
    ok("pc", "o", "--admin-address", admin.address(), "--level", "http:trace,upstream:WARNING");
    assertThat(admin.requests).contains("POST /logging?http=trace&upstream=warning");
    ok("pc", "log", "--admin-address", admin.address());
    assertThat(admin.requests).contains("POST /logging");
  }

  @Test
  void badLogLevelIsRejectedBeforeCallingTheProxy() {
    Cli.Result r = Cli.run("pc", "log", "--admin-address", admin.address(), "--level", "loud");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("invalid log level \"loud\"");
    assertThat(admin.requests).isEmpty();
  }

  @Test
  void missingFileIsAClearError() {
    Cli.Result r = Cli.run("pc", "routes", "-f", tmp.resolve("nope.json").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: cannot read " + tmp.resolve("nope.json") + ": no such file\n");
  }

  @Test
  void malformedDumpNamesTheFile() throws IOException {
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"listeners\": 3}");
    Cli.Result r = Cli.run("pc", "listeners", "-f", bad.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("Error: " + bad + " is not a Minimesh config dump");
  }

  @Test
  void noTargetIsAClearError() {
    Cli.Result r = Cli.run("pc", "clusters");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("specify a proxy (name.namespace), --admin-address HOST:PORT or -f FILE");
  }

  @Test
  void unreachableAdminApi() {
    Cli.Result r = Cli.run("pc", "clusters", "--admin-address", "127.0.0.1:1");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("cannot reach the proxy admin API at 127.0.0.1:1");
  }
}
