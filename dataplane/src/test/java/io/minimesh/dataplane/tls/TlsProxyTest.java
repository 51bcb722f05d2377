package io.minimesh.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.TlsCertificate;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.runtime.ProxyRuntime;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import io.minimesh.testing.TestCerts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** TLS termination, SNI chain selection, mTLS, passthrough, origination and SDS rotation, over real sockets. */
@ExtendWith(LeakCheck.class)
class TlsProxyTest {
  static final TestCerts.Ca CA = TestCerts.ca("proxy-ca");
  static final TestCerts.Ca CLIENT_CA = TestCerts.ca("client-ca");
  static final TestCerts.Ca OTHER_CA = TestCerts.ca("other-ca");
  static final TestCerts.Pair A = CA.server("a.example.com");
  static final TestCerts.Pair B = CA.server("b.example.com");
  static final TestCerts.Pair WILD = CA.server("*.wild.example.com");
  static final TestCerts.Pair BACKEND = CA.server("backend.internal");
  static final TestCerts.Pair UPSTREAM = CA.server("upstream.internal");

  static TestUpstream plain;
  static TestUpstream passBackend;
  static TestUpstream tlsUpstream;
  static ProxyRuntime proxy;
  static int port;
  static int mtlsPort;
  static int strictPort;
  static int originPort;

  static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  static String cert(TestCerts.Pair p) {
    return "{certificate_chain: {inline_string: " + q(p.certPem()) + "}, private_key: {inline_string: " + q(p.keyPem()) + "}}";
  }

  static String hcm(String prefix, String cluster) {
    return """
              filters:
              - name: envoy.filters.network.http_connection_manager
                http_connection_manager:
                  stat_prefix: %s
                  route_config:
                    virtual_hosts:
                    - {name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: %s}}]}
        """.formatted(prefix, cluster);
  }

  static SslContext serverCtx(TestCerts.Pair p) throws Exception {
    return SslContextBuilder.forServer(
        new java.io.ByteArrayInputStream(p.certPem().getBytes(StandardCharsets.US_ASCII)),
        new java.io.ByteArrayInputStream(p.keyPem().getBytes(StandardCharsets.US_ASCII))).build();
  }

  @BeforeAll
  static void start() throws Exception {
    plain = new TestUpstream("plain", false);
    passBackend = new TestUpstream("pass-backend", false, serverCtx(BACKEND));
    tlsUpstream = new TestUpstream("tls-upstream", false, serverCtx(UPSTREAM));
    String yaml = """
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        static_resources:
          secrets:
          - name: b-cert
            tls_certificate: %s
          listeners:
          - name: https
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            listener_filters: [tls_inspector]
            filter_chains:
            - filter_chain_match: {server_names: [a.example.com]}
              transport_socket:
                downstream_tls:
                  common_tls_context:
                    tls_certificates: [%s]
                    alpn_protocols: [h2, http/1.1]
        %s
            - filter_chain_match: {server_names: [b.example.com]}
              transport_socket:
                downstream_tls:
                  common_tls_context:
                    tls_certificate_sds_secret_configs: [{name: b-cert}]
        %s
            - filter_chain_match: {server_names: ["*.wild.example.com"]}
              transport_socket:
                downstream_tls:
                  common_tls_context:
                    tls_certificates: [%s]
        %s
            - filter_chain_match: {server_names: [missing.example.com]}
              transport_socket:
                downstream_tls:
                  common_tls_context:
                    tls_certificate_sds_secret_configs: [{name: not-yet}]
        %s
            - filter_chain_match: {server_names: [backend.internal]}
              filters:
              - name: envoy.filters.network.tcp_proxy
                tcp_proxy: {stat_prefix: pass, cluster: pass}
          - name: mtls
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - transport_socket:
                downstream_tls:
                  require_client_certificate: true
                  common_tls_context:
                    tls_certificates: [%s]
                    validation_context:
                      trusted_ca: {inline_string: %s}
                      match_subject_alt_names: [{prefix: "spiffe://cluster.local/ns/good/"}]
        %s
          - name: strict
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - transport_socket:
                downstream_tls:
                  common_tls_context:
                    tls_certificates: [%s]
                    tls_params: {tls_minimum_protocol_version: TLSv1_3}
        %s
          - name: origin
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - %s
          clusters:
        """.formatted(
            cert(B), cert(A), hcm("a", "plain"), hcm("b", "plain"), cert(WILD), hcm("wild", "plain"),
            hcm("missing", "plain"), cert(A), q(CLIENT_CA.certPem()), hcm("mtls", "plain"), cert(A), hcm("strict", "plain"),
            hcm("origin", "tls").strip())
        + Proxies.staticCluster("plain", "", plain.port())
        + Proxies.staticCluster("pass", "", passBackend.port())
        + Proxies.staticCluster("tls", """
                transport_socket:
                  upstream_tls:
                    sni: upstream.internal
                    common_tls_context:
                      validation_context:
                        trusted_ca: {inline_string: %s}
                        match_subject_alt_names: [{exact: upstream.internal}]
            """.formatted(q(CA.certPem())), tlsUpstream.port());
    proxy = Proxies.start(yaml);
    port = proxy.listenerAddress("https").getPort();
    mtlsPort = proxy.listenerAddress("mtls").getPort();
    strictPort = proxy.listenerAddress("strict").getPort();
    originPort = proxy.listenerAddress("origin").getPort();
  }

  @AfterAll
  static void stop() {
    if (proxy != null) proxy.close();
    plain.close();
    passBackend.close();
    tlsUpstream.close();
  }

  // ---- client helpers

  static SSLContext clientContext(TestCerts.Ca trust, TestCerts.Pair clientCert) throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("ca", trust.pair().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    KeyManagerFactory kmf = null;
    if (clientCert != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("me", clientCert.keyPair().getPrivate(), new char[0], new X509Certificate[] {clientCert.certificate()});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
    }
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return c;
  }

  static SSLSocket connect(int port, String sni, SSLContext ctx, String[] protocols, String... alpn) throws IOException {
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    SSLParameters p = s.getSSLParameters();
    if (sni != null) p.setServerNames(List.of(new SNIHostName(sni)));
    if (alpn.length > 0) p.setApplicationProtocols(alpn);
    if (protocols != null) p.setProtocols(protocols);
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  /** One HTTP/1.1 request on {@code s}; returns status line + headers + body (Content-Length bodies). */
  static String get(SSLSocket s, String host, String path) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    StringBuilder sb = new StringBuilder();
    String line;
    int len = 0;
    while ((line = r.readLine()) != null && !line.isEmpty()) {
      sb.append(line).append('\n');
      if (line.toLowerCase().startsWith("content-length:")) len = Integer.parseInt(line.substring(15).trim());
    }
    char[] body = new char[len];
    int n = 0;
    while (n < len) {
      int k = r.read(body, n, len - n);
      if (k < 0) break;
      n += k;
    }
    return sb.append('\n').append(body, 0, n).toString();
  }

  static BigInteger serial(SSLSocket s) throws Exception {
    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
  }

  // ---- tests

  @Test
  void eachSniHostGetsItsOwnCertificateAndA200() throws Exception {
    SSLContext ctx = clientContext(CA, null);
    try (SSLSocket a = connect(port, "a.example.com", ctx, null, "http/1.1")) {
      assertThat(serial(a)).isEqualTo(A.serial());
      assertThat(get(a, "a.example.com", "/x")).startsWith("HTTP/1.1 200");
      assertThat(plain.lastHeaders()).containsEntry("x-forwarded-proto", "https");
    }
    try (SSLSocket b = connect(port, "b.example.com", clientContext(CA, null), null)) {
      assertThat(serial(b)).as("b: fresh client").isEqualTo(currentB());
    }
    // Fresh client contexts per host: the JDK client resumes a cached session of the same
    // address, SNI included, so a shared context would land on a.example.com's chain again.
    try (SSLSocket b = connect(port, "b.example.com", clientContext(CA, null), null)) {
      assertThat(get(b, "b.example.com", "/x")).startsWith("HTTP/1.1 200");
    }
    try (SSLSocket w = connect(port, "x.wild.example.com", clientContext(CA, null), null)) {
      assertThat(serial(w)).isEqualTo(WILD.serial());
    }
  }

  @Test
  void unknownSniHasNoFilterChainAndIsClosed() throws Exception {
    long before = counter("no_filter_chain_match");
    assertThatThrownBy(() -> connect(port, "nobody.example.com", clientContext(CA, null), null).close())
        .isInstanceOf(IOException.class);
    assertThat(counter("no_filter_chain_match")).isGreaterThan(before);
  }

  @Test
  void chainWaitingForItsSdsSecretRefusesConnections() {
    assertThatThrownBy(() -> connect(port, "missing.example.com", clientContext(CA, null), null).close())
        .isInstanceOf(IOException.class);
  }

  @Test
  void alpnNegotiatesH2() throws Exception {
    try (SSLSocket a = connect(port, "a.example.com", clientContext(CA, null), null, "h2", "http/1.1")) {
      assertThat(a.getApplicationProtocol()).isEqualTo("h2");
      // The proxy speaks HTTP/2 now: our preface + SETTINGS get its SETTINGS frame back.
      OutputStream out = a.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
      out.flush();
      byte[] head = a.getInputStream().readNBytes(9);
      assertThat(head[3]).isEqualTo((byte) 4); // SETTINGS
    }
  }

  @Test
  void minimumVersionTls13RejectsTls12Clients() throws Exception {
    SSLContext ctx = clientContext(CA, null);
    assertThatThrownBy(() -> connect(strictPort, "a.example.com", ctx, new String[] {"TLSv1.2"}).close())
        .isInstanceOf(IOException.class);
    try (SSLSocket s = connect(strictPort, "a.example.com", ctx, new String[] {"TLSv1.3"})) {
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
      assertThat(get(s, "a", "/")).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void mutualTlsRequiresAClientCertificateFromTheRightCaWithAMatchingSan() throws Exception {
    // TLS 1.3 reports a refused client certificate only on the first read, so each case sends a request.
    assertThatThrownBy(() -> {
      try (SSLSocket s = connect(mtlsPort, "a.example.com", clientContext(CA, null), null)) {
        get(s, "a", "/");
      }
    }).isInstanceOf(IOException.class);
    TestCerts.Pair good = CLIENT_CA.client("good", List.of("spiffe://cluster.local/ns/good/sa/x"), List.of());
    try (SSLSocket s = connect(mtlsPort, "a.example.com", clientContext(CA, good), null)) {
      assertThat(get(s, "a", "/")).startsWith("HTTP/1.1 200");
    }
    TestCerts.Pair wrongCa = OTHER_CA.client("good", List.of("spiffe://cluster.local/ns/good/sa/x"), List.of());
    assertThatThrownBy(() -> {
      try (SSLSocket s = connect(mtlsPort, "a.example.com", clientContext(CA, wrongCa), null)) {
        get(s, "a", "/");
      }
    }).isInstanceOf(IOException.class);
    TestCerts.Pair wrongSan = CLIENT_CA.client("bad", List.of("spiffe://cluster.local/ns/bad/sa/x"), List.of());
    assertThatThrownBy(() -> {
      try (SSLSocket s = connect(mtlsPort, "a.example.com", clientContext(CA, wrongSan), null)) {
        get(s, "a", "/");
      }
    }).isInstanceOf(IOException.class);
  }

  @Test
  void passthroughClientSeesTheBackendsOwnCertificate() throws Exception {
    try (SSLSocket s = connect(port, "backend.internal", clientContext(CA, null), null)) {
      assertThat(serial(s)).isEqualTo(BACKEND.serial());
      String resp = get(s, "backend.internal", "/p");
      assertThat(resp).startsWith("HTTP/1.1 200").contains("pass-backend");
    }
  }

  @Test
  void upstreamTlsOriginationVerifiesTheServer() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", originPort)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /o HTTP/1.1\r\nHost: o\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String resp = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      if (!resp.startsWith("HTTP/1.1 200")) {
        s.setSoTimeout(2000);
        try {
          resp += new String(s.getInputStream().readNBytes(400), StandardCharsets.US_ASCII);
        } catch (IOException e) {
          // whatever arrived is shown below
        }
      }
      assertThat(resp).startsWith("HTTP/1.1 200");
    }
    assertThat(tlsUpstream.hits("/o")).isEqualTo(1);
  }

  @Test
  void invalidPemInASecretIsRejectedNamingTheSecret() {
    Secret bad = Secret.newBuilder().setName("broken").setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"))
        .setPrivateKey(DataSource.newBuilder().setInlineString(A.keyPem()))).build();
    Map<String, ConfigSnapshot.Resource<Secret>> secrets = new HashMap<>(proxy.current().secrets());
    secrets.put("broken", new ConfigSnapshot.Resource<>(bad, "1", Instant.now(), false));
    assertThatThrownBy(() -> proxy.apply(proxy.current().withSecrets(secrets)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("Secret \"broken\"")
        .hasMessageContaining("certificate_chain");
  }

  @Test
  void rotatedSecretServesNewHandshakesWhileOpenConnectionsKeepWorking() throws Exception {
    SSLContext ctx = clientContext(CA, null);
    try (SSLSocket old = connect(port, "b.example.com", ctx, null)) {
      BigInteger before = serial(old);
      assertThat(get(old, "b", "/1")).startsWith("HTTP/1.1 200");
      TestCerts.Pair rotated = CA.server("b.example.com");
      Secret s = Secret.newBuilder().setName("b-cert").setTlsCertificate(TlsCertificate.newBuilder()
          .setCertificateChain(DataSource.newBuilder().setInlineString(rotated.certPem()))
          .setPrivateKey(DataSource.newBuilder().setInlineString(rotated.keyPem()))).build();
      Map<String, ConfigSnapshot.Resource<Secret>> secrets = new HashMap<>(proxy.current().secrets());
      secrets.put("b-cert", new ConfigSnapshot.Resource<>(s, "2", Instant.now(), false));
      int boundPort = port;
      proxy.apply(proxy.current().withSecrets(secrets));
      assertThat(proxy.listenerAddress("https").getPort()).isEqualTo(boundPort);
      try (SSLSocket fresh = connect(port, "b.example.com", ctx, null)) {
        assertThat(serial(fresh)).isEqualTo(rotated.serial()).isNotEqualTo(before);
        assertThat(get(fresh, "b", "/2")).startsWith("HTTP/1.1 200");
      }
      // The A chain's context was not rebuilt: same object before and after.
      assertThat(get(old, "b", "/3")).startsWith("HTTP/1.1 200");
      assertThat(serial(old)).isEqualTo(before);
    }
  }

  @Test
  void unchangedContextsAreReusedAcrossUpdates() throws Exception {
    var before = proxy.state().listeners.get("https").chain("#0").tls().context();
    Map<String, ConfigSnapshot.Resource<Secret>> secrets = new HashMap<>(proxy.current().secrets());
    proxy.apply(proxy.current().withSecrets(secrets).withRoutes(Map.of()));
    assertThat(proxy.state().listeners.get("https").chain("#0").tls().context()).isSameAs(before);
  }

  @Test
  void adminShowsCertificatesAndRedactsPrivateKeys() throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + proxy.adminAddress().getPort();
    String certs = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/certs")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    assertThat(certs).contains("\"serial_number\" : \"" + A.serial().toString(16) + "\"")
        .contains("\"dns\" : \"a.example.com\"").contains("days_until_expiration").contains("expiration_time");
    String dump = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/config_dump")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    String keyBody = A.keyPem().lines().skip(1).findFirst().orElseThrow();
    assertThat(dump).contains("[redacted]").doesNotContain(keyBody);
  }

  @Test
  void concurrentFreshAndKeepAliveConnectionsAllGetResponses() throws Exception {
    SSLContext ctx = clientContext(CA, null);
    java.util.concurrent.ConcurrentLinkedQueue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> threads = new java.util.ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < 25; i++) {
          try (SSLSocket s = connect(port, "a.example.com", ctx, null, "http/1.1")) {
            String r = get(s, "a", "/fresh");
            if (r.startsWith("HTTP/1.1 200")) ok.incrementAndGet();
            else failures.add("fresh: " + r);
          } catch (IOException e) {
            failures.add("fresh: " + e);
          }
        }
      });
      th.start();
      threads.add(th);
    }
    try (SSLSocket keep = connect(port, "a.example.com", ctx, null, "http/1.1")) {
      for (int i = 0; i < 25; i++) {
        String r = get(keep, "a", "/keep");
        if (r.startsWith("HTTP/1.1 200")) ok.incrementAndGet();
        else failures.add("keep-alive " + i + ": " + r);
      }
    }
    for (Thread th : threads) th.join(60_000);
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isEqualTo(100);
  }

  /** b-cert's serial now (the rotation test may have replaced it). */
  private static BigInteger currentB() throws Exception {
    Secret s = proxy.current().secrets().get("b-cert").value();
    byte[] pem = s.getTlsCertificate().getCertificateChain().getInlineString().getBytes(StandardCharsets.US_ASCII);
    return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(pem))).getSerialNumber();
  }

  private long counter(String suffix) {
    return proxy.stats().snapshot().entrySet().stream()
        .filter(e -> e.getKey().startsWith("listener.127.0.0.1_0.") && e.getKey().endsWith(suffix))
        .mapToLong(Map.Entry::getValue).sum();
  }
}
