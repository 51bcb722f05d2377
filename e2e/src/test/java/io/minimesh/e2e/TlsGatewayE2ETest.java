package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Curl;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.TestAppProcess;
import io.minimesh.testing.TestCerts;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The proxy as a real process behind an Envoy v3 bootstrap with TLS, driven by real curl with
 * {@code --resolve}/{@code --cacert}/{@code --cert}: SIMPLE with a certificate per SNI host,
 * MUTUAL, and PASSTHROUGH of two SNI hosts to two TLS backends (the backends are TLS-terminating
 * listeners of a second proxy in front of two testapps, with certificates of their own CA).
 */
@MeshTest
class TlsGatewayE2ETest {
  static final TestCerts.Ca GW_CA = TestCerts.ca("gateway-ca");
  static final TestCerts.Ca CLIENT_CA = TestCerts.ca("client-ca");
  static final TestCerts.Ca OTHER_CA = TestCerts.ca("rogue-ca");
  static final TestCerts.Ca BACKEND_CA = TestCerts.ca("backend-ca");

  static String tlsChain(String sni, Path dir, String base, String extraContext, String filters) {
    return """
            - filter_chain_match: { server_names: ["%s"] }
              transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
        %s
                  common_tls_context:
                    alpn_protocols: ["h2", "http/1.1"]
                    tls_certificates:
                    - certificate_chain: { filename: "%s" }
                      private_key: { filename: "%s" }
        %s
              filters:
        %s
        """.formatted(sni, extraContext.isEmpty() ? "" : "          " + extraContext, dir.resolve(base + ".crt"),
            dir.resolve(base + ".key"), extraValidation(extraContext, dir), filters);
  }

  private static String extraValidation(String extraContext, Path dir) {
    if (!extraContext.contains("require_client_certificate")) return "";
    return """
                    validation_context:
                      trusted_ca: { filename: "%s" }
                      match_typed_subject_alt_names:
                      - san_type: URI
                        matcher: { prefix: "spiffe://cluster.local/ns/good/" }
        """.formatted(dir.resolve("client-ca.crt"));
  }

  static String hcm(String prefix, String cluster) {
    return """
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: %s
                  route_config:
                    virtual_hosts:
                    - { name: all, domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: %s } }] }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        """.formatted(prefix, cluster);
  }

  static String tcpProxy(String prefix, String cluster) {
    return """
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: %s
                  cluster: %s
        """.formatted(prefix, cluster);
  }

  static String cluster(String name, int port) {
    return """
          - name: %s
            connect_timeout: 1s
            type: STATIC
            load_assignment:
              cluster_name: %s
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        """.formatted(name, name, port);
  }

  static String listener(String name, int port, boolean inspector, String chains) {
    return """
          - name: %s
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        %s
            filter_chains:
        %s
        """.formatted(name, port, inspector
            ? "    listener_filters:\n    - name: envoy.filters.listener.tls_inspector\n      typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }"
            : "", chains);
  }

  record Gateway(ProxyProcess proxy, int port, Path certs) {}

  static Gateway start(MeshProcesses mesh) {
    Path certs = mesh.files().resolve("certs");
    GW_CA.writeCert(certs.resolve("gateway-ca.crt"));
    CLIENT_CA.writeCert(certs.resolve("client-ca.crt"));
    BACKEND_CA.writeCert(certs.resolve("backend-ca.crt"));
    GW_CA.server("a.example.com").writeTo(certs, "a");
    GW_CA.server("b.example.com").writeTo(certs, "b");
    GW_CA.server("mtls.example.com").writeTo(certs, "mtls");
    BACKEND_CA.server("pass-a.example.com").writeTo(certs, "pass-a");
    BACKEND_CA.server("pass-b.example.com").writeTo(certs, "pass-b");
    CLIENT_CA.client("good", List.of("spiffe://cluster.local/ns/good/sa/curl"), List.of()).writeTo(certs, "client-good");
    OTHER_CA.client("good", List.of("spiffe://cluster.local/ns/good/sa/curl"), List.of()).writeTo(certs, "client-rogue");

    TestAppProcess a = mesh.testapp("app-a");
    TestAppProcess b = mesh.testapp("app-b");
    int[] ports = Ports.free(5);
    int gw = ports[0], backA = ports[1], backB = ports[2], adminGw = ports[3], adminBack = ports[4];

    // The TLS backends: a second proxy terminating pass-a/pass-b with the backend CA's certificates.
    String backends = "admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }\n".formatted(adminBack)
        + "static_resources:\n  listeners:\n"
        + listener("backend-a", backA, false, tlsChain("pass-a.example.com", certs, "pass-a", "", hcm("backend_a", "app-a")))
        + listener("backend-b", backB, false, tlsChain("pass-b.example.com", certs, "pass-b", "", hcm("backend_b", "app-b")))
        + "  clusters:\n" + cluster("app-a", a.httpPort()) + cluster("app-b", b.httpPort());
    mesh.meshProxy("backends", mesh.writeFile("backends.yaml", backends), adminBack);

    String chains = tlsChain("a.example.com", certs, "a", "", hcm("gw_a", "app-a"))
        + tlsChain("b.example.com", certs, "b", "", hcm("gw_b", "app-b"))
        + tlsChain("mtls.example.com", certs, "mtls", "require_client_certificate: true", hcm("gw_mtls", "app-a"))
        + """
            - filter_chain_match: { server_names: ["pass-a.example.com"] }
              filters:
        """ + tcpProxy("pass_a", "backend-a")
        + """
            - filter_chain_match: { server_names: ["pass-b.example.com"] }
              filters:
        """ + tcpProxy("pass_b", "backend-b");
    String gateway = "admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }\n".formatted(adminGw)
        + "static_resources:\n  listeners:\n" + listener("gateway", gw, true, chains)
        + "  clusters:\n" + cluster("app-a", a.httpPort()) + cluster("app-b", b.httpPort())
        + cluster("backend-a", backA) + cluster("backend-b", backB);
    ProxyProcess proxy = mesh.meshProxy("gateway", mesh.writeFile("gateway.yaml", gateway), adminGw);
    return new Gateway(proxy, gw, certs);
  }

  static CommandResult curl(Gateway g, String host, String ca, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("-v", "--resolve", host + ":" + g.port() + ":127.0.0.1",
        "--cacert", g.certs().resolve(ca).toString()));
    args.addAll(List.of(extra));
    args.add("https://" + host + ":" + g.port() + "/headers");
    return Curl.run(args.toArray(String[]::new));
  }

  @Test
  void simpleTwoHostsOnOnePortEachGetTheirCertificate(MeshProcesses mesh) {
    Gateway g = start(mesh);
    CommandResult a = curl(g, "a.example.com", "gateway-ca.crt", "--http1.1");
    assertThat(a.exitCode()).as(a.stderr()).isZero();
    assertThat(a.stderr()).contains("subject: CN=a.example.com").contains("HTTP/1.1 200");
    assertThat(a.stdout()).containsIgnoringCase("\"X-Forwarded-Proto\"").contains("https");
    assertThat(a.stderr()).containsIgnoringCase("x-served-by: app-a");

    CommandResult b = curl(g, "b.example.com", "gateway-ca.crt");
    assertThat(b.exitCode()).as(b.stderr()).isZero();
    assertThat(b.stderr()).contains("subject: CN=b.example.com").contains("ALPN: server accepted h2")
        .contains("HTTP/2 200").containsIgnoringCase("x-served-by: app-b");
  }

  @Test
  void mutualRequiresAClientCertificateFromTheConfiguredCa(MeshProcesses mesh) {
    Gateway g = start(mesh);
    CommandResult none = curl(g, "mtls.example.com", "gateway-ca.crt");
    assertThat(none.exitCode()).as("no client certificate: %s", none.stderr()).isNotZero();

    Path c = g.certs();
    CommandResult good = curl(g, "mtls.example.com", "gateway-ca.crt",
        "--cert", c.resolve("client-good.crt").toString(), "--key", c.resolve("client-good.key").toString());
    assertThat(good.exitCode()).as(good.stderr()).isZero();
    assertThat(good.stderr()).contains(" 200");

    CommandResult rogue = curl(g, "mtls.example.com", "gateway-ca.crt",
        "--cert", c.resolve("client-rogue.crt").toString(), "--key", c.resolve("client-rogue.key").toString());
    assertThat(rogue.exitCode()).as("client certificate of another CA: %s", rogue.stderr()).isNotZero();
    assertThat(g.proxy().admin().stat("listener.127.0.0.1_" + g.port() + ".ssl.connection_error")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void passthroughForwardsTlsUntouchedToTheBackendOfEachSniHost(MeshProcesses mesh) {
    Gateway g = start(mesh);
    CommandResult a = curl(g, "pass-a.example.com", "backend-ca.crt");
    assertThat(a.exitCode()).as(a.stderr()).isZero();
    // The client verified the backend's own certificate (backend CA), not a gateway certificate.
    assertThat(a.stderr()).contains("subject: CN=pass-a.example.com").contains("issuer: CN=backend-ca")
        .containsIgnoringCase("x-served-by: app-a");
    CommandResult b = curl(g, "pass-b.example.com", "backend-ca.crt");
    assertThat(b.exitCode()).as(b.stderr()).isZero();
    assertThat(b.stderr()).contains("subject: CN=pass-b.example.com").containsIgnoringCase("x-served-by: app-b");
    assertThat(g.proxy().admin().stat("tcp.pass_a.downstream_cx_total")).isEqualTo(1);
    assertThat(g.proxy().admin().stat("tcp.pass_b.downstream_cx_total")).isEqualTo(1);
  }
}
