package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Curl;
import io.minimesh.e2e.harness.Jars;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.PilotProcess;
import io.minimesh.e2e.harness.Poll;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.Prerequisite;
import io.minimesh.e2e.harness.ProcessFixture;
import io.minimesh.e2e.harness.ProcessSpec;
import io.minimesh.e2e.harness.Readiness;
import io.minimesh.e2e.harness.Requires;
import io.minimesh.e2e.harness.TestAppProcess;
import io.minimesh.testing.TestCerts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 7 end to end: Istio Gateway/VirtualService YAML and {@code kind: Secret} documents in pilot's
 * config directory → pilot → xDS (LDS/RDS/CDS/EDS/SDS) → a router proxy run by pilot-agent → curl.
 * Every certificate is made by the test. Gateway ports are mapped to free high ports with
 * {@code --port-map} (the proxy's port_map metadata), so nothing binds 443.
 */
@MeshTest
@Requires({Prerequisite.CURL})
class GatewayTlsE2ETest {

  private static final Duration CONVERGE = Duration.ofSeconds(60);

  private static MeshProcesses mesh;
  private static TestCerts.Ca serverCa;
  private static TestCerts.Ca clientCa;
  private static TestCerts.Ca otherCa;
  private static TestCerts.Pair certA;
  private static TestCerts.Pair certB;
  private static TestCerts.Pair backendCert1;
  private static TestCerts.Pair backendCert2;
  private static Path caFile;
  private static Path backendCaFile;
  private static Path files;
  private static int https;
  private static int mtls;
  private static int passthrough;
  private static int http;
  private static int tcp;

  static String secret(String name, TestCerts.Pair pair, String caPem) {
    Base64.Encoder b64 = Base64.getEncoder();
    return """
        apiVersion: v1
        kind: Secret
        metadata:
          name: %s
          namespace: default
        type: kubernetes.io/tls
        data:
          tls.crt: %s
          tls.key: %s
        %s""".formatted(name, b64.encodeToString(pair.certPem().getBytes(StandardCharsets.UTF_8)),
        b64.encodeToString(pair.keyPem().getBytes(StandardCharsets.UTF_8)),
        caPem == null ? "" : "  ca.crt: " + b64.encodeToString(caPem.getBytes(StandardCharsets.UTF_8)) + "\n");
  }

  static String gateway() {
    return """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: tls-gateway
          namespace: default
        spec:
          selector:
            istio: ingressgateway
          servers:
          - port: { number: 443, name: https-a, protocol: HTTPS }
            hosts: ["a.example.com"]
            tls: { mode: SIMPLE, credentialName: a-cred }
          - port: { number: 443, name: https-b, protocol: HTTPS }
            hosts: ["b.example.com"]
            tls: { mode: SIMPLE, credentialName: b-cred }
          - port: { number: 443, name: https-r, protocol: HTTPS }
            hosts: ["r.example.com"]
            tls: { mode: SIMPLE, credentialName: r-cred }
          - port: { number: 9443, name: https-mtls, protocol: HTTPS }
            hosts: ["m.example.com"]
            tls: { mode: MUTUAL, credentialName: m-cred }
          - port: { number: 8443, name: tls-passthrough, protocol: TLS }
            hosts: ["p1.example.com", "p2.example.com"]
            tls: { mode: PASSTHROUGH }
          - port: { number: 80, name: http, protocol: HTTP }
            hosts: ["a.example.com"]
            tls: { httpsRedirect: true }
          - port: { number: 31400, name: tcp, protocol: TCP }
            hosts: ["*"]
        """;
  }

  static String virtualServices() {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: web
          namespace: default
        spec:
          hosts: ["a.example.com", "b.example.com", "r.example.com", "m.example.com"]
          gateways: ["tls-gateway"]
          http:
          - route:
            - destination: { host: testapp.default.svc.cluster.local, port: { number: 8000 } }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: passthrough
          namespace: default
        spec:
          hosts: ["p1.example.com", "p2.example.com"]
          gateways: ["tls-gateway"]
          tls:
          - match:
            - { port: 8443, sniHosts: ["p1.example.com"] }
            route:
            - destination: { host: backend-1.default.svc.cluster.local, port: { number: 443 } }
          - match:
            - { port: 8443, sniHosts: ["p2.example.com"] }
            route:
            - destination: { host: backend-2.default.svc.cluster.local, port: { number: 443 } }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: echo
          namespace: default
        spec:
          hosts: ["*"]
          gateways: ["tls-gateway"]
          tcp:
          - match:
            - port: 31400
            route:
            - destination: { host: echo.default.svc.cluster.local, port: { number: 9000 } }
        """;
  }

  /** A STATIC ServiceEntry on 127.0.0.1:targetPort (selected WorkloadEntry). */
  static String service(String name, int port, String protocol, int targetPort) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: %1$s
          namespace: default
        spec:
          hosts: ["%1$s.default.svc.cluster.local"]
          location: MESH_INTERNAL
          ports:
          - { number: %2$d, name: %3$s, protocol: %4$s, targetPort: %5$d }
          resolution: STATIC
          workloadSelector:
            labels: { app: %1$s }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: %1$s-1
          namespace: default
        spec:
          address: 127.0.0.1
          labels: { app: %1$s }
        ---
        """.formatted(name, port, protocol.toLowerCase() + "-" + port, protocol, targetPort);
  }

  @BeforeAll
  static void start(MeshProcesses m) throws Exception {
    mesh = m;
    files = mesh.files();
    serverCa = TestCerts.ca("gateway-ca");
    clientCa = TestCerts.ca("client-ca");
    otherCa = TestCerts.ca("other-ca");
    TestCerts.Ca backendCa = TestCerts.ca("backend-ca");
    certA = serverCa.server("a.example.com");
    certB = serverCa.server("b.example.com");
    caFile = serverCa.writeCert(files.resolve("certs/ca.crt"));
    backendCaFile = backendCa.writeCert(files.resolve("certs/backend-ca.crt"));
    backendCert1 = backendCa.server("p1.example.com");
    backendCert2 = backendCa.server("p2.example.com");
    backendCert1.writeTo(files.resolve("certs"), "backend-1");
    backendCert2.writeTo(files.resolve("certs"), "backend-2");
    clientCa.client("good-client", List.of(), List.of()).writeTo(files.resolve("certs"), "good-client");
    otherCa.client("bad-client", List.of(), List.of()).writeTo(files.resolve("certs"), "bad-client");

    TestAppProcess app = mesh.testapp("testapp");
    int b1 = tlsBackend("backend-1");
    int b2 = tlsBackend("backend-2");

    mesh.writeFile("config/secret-a.yaml", secret("a-cred", certA, null));
    mesh.writeFile("config/secret-b.yaml", secret("b-cred", certB, null));
    mesh.writeFile("config/secret-r.yaml", secret("r-cred", serverCa.server("r.example.com"), null));
    mesh.writeFile("config/secret-m.yaml", secret("m-cred", serverCa.server("m.example.com"), clientCa.certPem()));
    mesh.writeFile("config/gateway.yaml", gateway());
    mesh.writeFile("config/virtualservices.yaml", virtualServices());
    Path dir = mesh.writeFile("config/registry.yaml",
        service("testapp", 8000, "HTTP", app.httpPort()) + service("echo", 9000, "TCP", app.tcpPort())
            + service("backend-1", 443, "TLS", b1) + service("backend-2", 443, "TLS", b2)).getParent();
    PilotProcess pilot = mesh.pilot(dir);

    int[] p = Ports.free(9);
    https = p[0];
    mtls = p[1];
    passthrough = p[2];
    http = p[3];
    tcp = p[4];
    String proxyCommand = String.join(" ", Jars.javaCommand("dataplane", List.of("-Xmx128m"), List.of()));
    mesh.start(MeshProcesses.javaSpec("gateway", "pilot-agent", List.of(),
            "proxy", "router", "--discovery-address", pilot.xdsAddress(),
            "--id", "ingressgateway.minimesh-system", "--labels", "istio=ingressgateway",
            "--port-map", "443:" + https + ",9443:" + mtls + ",8443:" + passthrough + ",80:" + http + ",31400:" + tcp,
            "--admin-port", String.valueOf(p[5]), "--status-port", String.valueOf(p[6]),
            "--metrics-port", String.valueOf(p[7]), "--proxy-command", proxyCommand)
        .readiness(Readiness.httpOk("http://127.0.0.1:" + p[6] + "/healthz/ready"))
        .startTimeout(Duration.ofSeconds(90))
        .build());
    Poll.until("the gateway serves a.example.com over TLS", CONVERGE,
        () -> "200".equals(curl("a.example.com", https, "/get").stdout()));
  }

  /** {@code openssl s_server -www} with its own certificate: a TLS backend the gateway must not terminate. */
  private static int tlsBackend(String name) {
    int port = Ports.free();
    Path certs = files.resolve("certs");
    mesh.start(ProcessSpec.builder(name)
        .command("openssl", "s_server", "-quiet", "-accept", String.valueOf(port),
            "-cert", certs.resolve(name + ".crt").toString(), "-key", certs.resolve(name + ".key").toString(), "-www")
        .readiness(Readiness.tcp("127.0.0.1", port))
        .build());
    return port;
  }

  /** curl -v over TLS to host:port (resolved to loopback), trusting the gateway CA; stdout is the status. */
  private static CommandResult curl(String host, int port, String path, String... extra) {
    List<String> args = new ArrayList<>(List.of("-v", "-o", "/dev/null", "-w", "%{http_code}",
        "--resolve", host + ":" + port + ":127.0.0.1", "--cacert", caFile.toString()));
    args.addAll(List.of(extra));
    args.add("https://" + host + ":" + port + path);
    return Curl.run(args.toArray(String[]::new));
  }

  @Test
  void simpleServesTheCertificateOfEachSniHost() throws Exception {
    CommandResult a = curl("a.example.com", https, "/get");
    assertThat(a.stdout()).as(a.stderr()).isEqualTo("200");
    assertThat(a.stderr()).contains("subject: CN=a.example.com");
    CommandResult b = curl("b.example.com", https, "/get");
    assertThat(b.stdout()).as(b.stderr()).isEqualTo("200");
    assertThat(b.stderr()).contains("subject: CN=b.example.com");

    assertThat(TlsProbe.get(serverCa, "a.example.com", https, "/get").serial()).isEqualTo(certA.serial());
    assertThat(TlsProbe.get(serverCa, "b.example.com", https, "/get").serial()).isEqualTo(certB.serial());
  }

  @Test
  void mutualRequiresAClientCertificateFromTheConfiguredCa() {
    Path certs = files.resolve("certs");
    CommandResult none = curl("m.example.com", mtls, "/get");
    assertThat(none.exitCode()).as("no client certificate: " + none.stderr()).isNotZero();
    assertThat(none.stdout()).isNotEqualTo("200");

    CommandResult good = curl("m.example.com", mtls, "/get",
        "--cert", certs.resolve("good-client.crt").toString(), "--key", certs.resolve("good-client.key").toString());
    assertThat(good.stdout()).as(good.stderr()).isEqualTo("200");

    CommandResult bad = curl("m.example.com", mtls, "/get",
        "--cert", certs.resolve("bad-client.crt").toString(), "--key", certs.resolve("bad-client.key").toString());
    assertThat(bad.exitCode()).as("client certificate of another CA: " + bad.stderr()).isNotZero();
    assertThat(bad.stdout()).isNotEqualTo("200");
  }

  @Test
  void passthroughForwardsTlsToTheBackendChosenBySni() {
    for (String host : List.of("p1.example.com", "p2.example.com")) {
      CommandResult r = Curl.run("-v", "-o", "/dev/null", "-w", "%{http_code}",
          "--resolve", host + ":" + passthrough + ":127.0.0.1", "--cacert", backendCaFile.toString(),
          "https://" + host + ":" + passthrough + "/");
      assertThat(r.stdout()).as(r.stderr()).isEqualTo("200");
      assertThat(r.stderr()).contains("subject: CN=" + host).contains("issuer: CN=backend-ca");
    }
  }

  @Test
  void httpsRedirectAnswers301ToHttps() {
    CommandResult r = Curl.run("-I", "-H", "Host: a.example.com", "http://127.0.0.1:" + http + "/some/path?q=1");
    assertThat(r.stdout()).as(r.stderr()).startsWith("HTTP/1.1 301");
    assertThat(r.stdout().toLowerCase()).contains("location: https://a.example.com/some/path?q=1");
  }

  @Test
  void tcpRouteEchoesBytes() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", tcp), 5000);
      s.setSoTimeout(10_000);
      byte[] msg = "hello through 31400\n".getBytes(StandardCharsets.UTF_8);
      s.getOutputStream().write(msg);
      s.getOutputStream().flush();
      byte[] got = s.getInputStream().readNBytes(msg.length);
      assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("hello through 31400\n");
    }
  }

  @Test
  void rotatingASecretUnderLoadChangesTheCertificateWithoutFailures() throws Exception {
    BigInteger before = TlsProbe.get(serverCa, "r.example.com", https, "/get").serial();
    SSLSocket kept = TlsProbe.open(serverCa, "r.example.com", https);
    assertThat(TlsProbe.keepAliveStatus(kept, "r.example.com")).isEqualTo(200);
    TestCerts.Pair rotated = serverCa.server("r.example.com");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicReference<BigInteger> lastSeen = new AtomicReference<>(before);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          try {
            TlsProbe.Result r = TlsProbe.get(serverCa, "r.example.com", https, "/get");
            if (r.status() != 200) failures.add("status " + r.status());
            else ok.incrementAndGet();
            lastSeen.set(r.serial());
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      }, "load-" + i);
      t.start();
      threads.add(t);
    }
    try {
      Poll.until("load is flowing", Duration.ofSeconds(20), () -> ok.get() > 20);
      mesh.writeFile("config/secret-r.yaml", secret("r-cred", rotated, null));
      Poll.until("new connections get the rotated certificate", Duration.ofSeconds(30),
          () -> TlsProbe.get(serverCa, "r.example.com", https, "/get").serial().equals(rotated.serial()));
      int at = ok.get();
      Poll.until("load continues after the rotation", Duration.ofSeconds(20), () -> ok.get() > at + 20);
    } finally {
      stop.set(true);
      for (Thread t : threads) t.join(30_000);
    }
    assertThat(before).isNotEqualTo(rotated.serial());
    assertThat(lastSeen.get()).isEqualTo(rotated.serial());
    assertThat(failures).as("failed requests during rotation (%d ok)", ok.get()).isEmpty();
    // A connection opened before the rotation keeps working, still on the old certificate.
    assertThat(TlsProbe.keepAliveStatus(kept, "r.example.com")).isEqualTo(200);
    assertThat(((X509Certificate) kept.getSession().getPeerCertificates()[0]).getSerialNumber()).isEqualTo(before);
    kept.close();
  }

  /** One HTTPS request on a new connection with SNI: the status and the serial of the certificate served. */
  static final class TlsProbe {
    record Result(int status, BigInteger serial) {}

    /** A TLS connection with SNI host, handshake done; the caller closes it. */
    static SSLSocket open(TestCerts.Ca trust, String host, int port) throws Exception {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("ca", trust.pair().certificate());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      Socket raw = new Socket();
      raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      raw.setSoTimeout(10_000);
      SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, true);
      SSLParameters params = s.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(host)));
      params.setEndpointIdentificationAlgorithm("HTTPS");
      params.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(params);
      s.startHandshake();
      return s;
    }

    /** GET /status/200 on a kept-alive connection; the status (the response has no body). */
    static int keepAliveStatus(SSLSocket s, String host) throws IOException {
      OutputStream out = s.getOutputStream();
      out.write(("GET /status/200 HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) throw new IOException("connection closed after: " + head);
        head.append((char) c);
      }
      String h = head.toString().toLowerCase(java.util.Locale.ROOT);
      if (h.contains("transfer-encoding: chunked")) {
        StringBuilder tail = new StringBuilder();
        while (!tail.toString().endsWith("0\r\n\r\n")) {
          int c = in.read();
          if (c < 0) throw new IOException("connection closed in the body");
          tail.append((char) c);
        }
      } else {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("content-length: *(\\d+)").matcher(h);
        if (m.find()) in.readNBytes(Integer.parseInt(m.group(1)));
      }
      return Integer.parseInt(head.toString().split(" ")[1]);
    }

    static Result get(TestCerts.Ca trust, String host, int port, String path) throws Exception {
      try (SSLSocket s = open(trust, host, port)) {
        BigInteger serial = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String statusLine = readAll(s.getInputStream()).lines().findFirst().orElse("");
        String[] parts = statusLine.split(" ");
        return new Result(parts.length > 1 ? Integer.parseInt(parts[1]) : -1, serial);
      }
    }

    private static String readAll(InputStream in) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
