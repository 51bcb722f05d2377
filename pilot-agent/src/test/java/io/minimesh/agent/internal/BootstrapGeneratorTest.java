package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.ProxyType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BootstrapGeneratorTest {
  @TempDir Path dir;

  private AgentConfig config(Env env, String... args) {
    ProxyCommand cmd = new ProxyCommand(env);
    new CommandLine(cmd).registerConverter(java.time.Duration.class, new Durations.Converter()).parseArgs(args);
    return cmd.config();
  }

  @Test
  void sidecarBootstrapFromKubernetesStyleEnvironment() throws Exception {
    Env env =
        new Env(
            Map.of(
                "POD_NAME", "webapp-7f9c",
                "POD_NAMESPACE", "shop",
                "INSTANCE_IP", "10.244.0.12",
                "ISTIO_METAJSON_LABELS", "{\"app\":\"webapp\",\"version\":\"v1\"}",
                "ISTIO_META_CLUSTER_ID", "Kubernetes",
                "MINIMESH_META_MESH_ID", "cluster.local",
                "ISTIO_LOCALITY", "eu-west/eu-west-1a"));
    AgentConfig c =
        config(env, "sidecar", "--discovery-address", "minimesh-pilot.minimesh-system.svc:15010",
            "--config-dir", dir.toString(), "--proxy-command", "mesh-proxy");
    Golden.assertMatches("bootstrap/sidecar.json", BootstrapGenerator.render(c).replace(Cli.version(), "VERSION"));

    Path file = BootstrapGenerator.write(c);
    assertThat(file.getFileName().toString()).isEqualTo("bootstrap-webapp-7f9c.shop.json");
    // The file is the proxy's Minimesh bootstrap format: it parses back into the same message.
    Bootstrap parsed = JsonPrinter.parse(Files.readString(file), Bootstrap.newBuilder()).build();
    assertThat(parsed).isEqualTo(BootstrapGenerator.generate(c));
    assertThat(parsed.getNode().getProxyType()).isEqualTo(ProxyType.SIDECAR);
    assertThat(parsed.getNode().getCluster()).isEqualTo("webapp.shop");
  }

  @Test
  void routerBootstrapWithPortMapFromFlags() throws Exception {
    AgentConfig c =
        config(new Env(Map.of()), "router", "--discovery-address", "127.0.0.1:15010",
            "--id", "ingressgateway.minimesh-system", "--labels", "istio=ingressgateway,app=ingressgateway",
            "--port-map", "80:8080, 443:8443", "--admin-port", "15100", "--config-dir", dir.toString(),
            "--proxy-command", "bin/mesh-proxy");
    Golden.assertMatches("bootstrap/router.json", BootstrapGenerator.render(c).replace(Cli.version(), "VERSION"));
    Bootstrap b = BootstrapGenerator.generate(c);
    assertThat(b.getNode().getMetadataMap()).containsEntry("port_map", "80:8080,443:8443");
    assertThat(b.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(15100);
    assertThat(b.getDynamicResources().getAdsAddress()).isEqualTo("127.0.0.1:15010");
  }

  @Test
  void proxyCommandLineCarriesEnvoyStyleFlags() {
    AgentConfig c =
        config(new Env(Map.of()), "sidecar", "--id", "web.default", "--proxy-command",
            "java -jar 'my proxy.jar'", "--concurrency", "2", "--log-level", "warning",
            "--drain-time", "1500ms", "--config-dir", dir.toString());
    assertThat(AgentRuntime.proxyArgs(c, dir.resolve("b.json")))
        .containsExactly("java", "-jar", "my proxy.jar", "-c", dir.resolve("b.json").toString(),
            "--service-node", "web.default", "--service-cluster", "web.default", "--drain-time-s", "2",
            "--concurrency", "2", "--log-level", "warn");
  }

  @Test
  void badFlagsAreRejectedNamingTheFlag() {
    StringWriter err = new StringWriter();
    CommandLine cl = Cli.commandLine(new Env(Map.of()), new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertThat(cl.execute("proxy", "sidecar", "--id", "web.default", "--port-map", "80-8080")).isEqualTo(2);
    assertThat(err.toString()).contains("invalid --port-map entry \"80-8080\"");

    err.getBuffer().setLength(0);
    assertThat(cl.execute("proxy", "sidecar")).isEqualTo(2);
    assertThat(err.toString()).contains("--id NAME.NAMESPACE is required (or set POD_NAME and POD_NAMESPACE)");

    err.getBuffer().setLength(0);
    assertThat(cl.execute("proxy", "gateway", "--id", "a.b")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown proxy type \"gateway\": expected sidecar or router");

    err.getBuffer().setLength(0);
    assertThat(cl.execute("proxy", "sidecar", "--id", "a.b", "--discovery-address", "pilot")).isEqualTo(2);
    assertThat(err.toString()).contains("invalid --discovery-address \"pilot\": expected HOST:PORT");

    err.getBuffer().setLength(0);
    assertThat(cl.execute("proxy", "sidecar", "--id", "a.b", "--drain-time", "5 parsecs")).isEqualTo(2);
    assertThat(err.toString()).contains("invalid duration \"5 parsecs\"");
  }

  @Test
  void istioSidecarTemplateArgumentsAndProxyConfigWork() {
    Env env = new Env(Map.of(
        "POD_NAME", "reviews-v1-abc", "POD_NAMESPACE", "default",
        "PROXY_CONFIG", "{\"discoveryAddress\":\"minimesh-pilot.minimesh-system.svc:15010\","
            + "\"concurrency\":2,\"proxyMetadata\":{\"DNS_CAPTURE\":\"true\"}}"));
    AgentConfig c = config(env, "sidecar", "--domain", "default.svc.cluster.local", "--proxyLogLevel=warning",
        "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info", "--config-dir", dir.toString());
    assertThat(c.id()).isEqualTo("reviews-v1-abc.default");
    assertThat(c.discoveryAddress()).isEqualTo("minimesh-pilot.minimesh-system.svc:15010");
    assertThat(c.concurrency()).isEqualTo(2);
    assertThat(c.logLevel()).isEqualTo("warn");
    assertThat(c.metadata()).containsEntry("DNS_CAPTURE", "true");
  }

  @Test
  void idWithoutNamespaceTakesPodNamespace() {
    AgentConfig c = config(new Env(Map.of("POD_NAMESPACE", "prod")), "sidecar", "--id", "web",
        "--config-dir", dir.toString());
    assertThat(c.id()).isEqualTo("web.prod");
    AgentConfig dotted = config(new Env(Map.of()), "sidecar", "--id", "web.v1.prod",
        "--config-dir", dir.toString());
    assertThat(dotted.name()).isEqualTo("web.v1");
    assertThat(dotted.namespace()).isEqualTo("prod");
  }
}
