package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.minimesh.e2e.harness.CommandResult;
import io.minimesh.e2e.harness.Curl;
import io.minimesh.e2e.harness.Http;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Ports;
import io.minimesh.e2e.harness.Prerequisite;
import io.minimesh.e2e.harness.ProxyProcess;
import io.minimesh.e2e.harness.Requires;
import io.minimesh.e2e.harness.TestAppProcess;
import io.minimesh.testapp.proto.EchoGrpc;
import io.minimesh.testapp.proto.EchoRequest;
import io.minimesh.testapp.proto.EchoResponse;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2, gRPC, TCP and malformed HTTP/1.1 through the real proxy process to the real test app.
 */
@MeshTest
class ProxyProtocolsE2ETest {

  private record Setup(ProxyProcess proxy, int http, int tcp) {}

  private static Setup start(MeshProcesses mesh, TestAppProcess app) {
    int[] p = Ports.free(3);
    String config = """
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        static_resources:
          listeners:
          - name: http
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: edge
                  codec_type: AUTO
                  request_headers_timeout: 1s
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/", grpc: {} }
                        route: { cluster: grpc }
                      - match: { prefix: "/" }
                        route: { cluster: web }
                  http_filters:
                  - name: envoy.filters.http.router
          - name: tcp
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: echo
                  cluster: echo
          clusters:
          - name: web
            type: STATIC
            load_assignment:
              cluster_name: web
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } }] }]
          - name: grpc
            type: STATIC
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: { http2_protocol_options: {} }
            load_assignment:
              cluster_name: grpc
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } }] }]
          - name: echo
            type: STATIC
            load_assignment:
              cluster_name: echo
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } }] }]
        """.formatted(p[0], p[1], p[2], app.httpPort(), app.grpcPort(), app.tcpPort());
    ProxyProcess proxy = mesh.meshProxy("proxy", mesh.writeFile("proxy.yaml", config), p[0]);
    return new Setup(proxy, p[1], p[2]);
  }

  @Test
  void http2AndGrpcWithTrailersAndTcpFlowThrough(MeshProcesses mesh) throws Exception {
    TestAppProcess app = mesh.testapp("webapp");
    Setup s = start(mesh, app);

    // gRPC: HTTP/2 with prior knowledge end to end (HTTP/2 to an HTTP/1.1 upstream: h2cPriorKnowledgeWorks).
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.http()).usePlaintext().build();
    try {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("echo-trailer-x-check", Metadata.ASCII_STRING_MARSHALLER), "kept");
      AtomicReference<Metadata> trailers = new AtomicReference<>();
      var stub = EchoGrpc.newBlockingStub(ch)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md),
              MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
          .withDeadlineAfter(20, TimeUnit.SECONDS);
      EchoResponse unary = stub.echo(EchoRequest.newBuilder().setMessage("hi").build());
      assertThat(unary.getMessage()).isEqualTo("hi");
      assertThat(unary.getServedBy()).isEqualTo("webapp");
      // The test app echoes echo-trailer-* request metadata as trailers: they must survive the proxy.
      assertThat(trailers.get().get(Metadata.Key.of("echo-trailer-x-check", Metadata.ASCII_STRING_MARSHALLER)))
          .isEqualTo("kept");

      List<Integer> indexes = new ArrayList<>();
      Iterator<EchoResponse> it = EchoGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
          .echoStream(EchoRequest.newBuilder().setMessage("s").setCount(5).build());
      it.forEachRemaining(r -> indexes.add(r.getIndex()));
      assertThat(indexes).hasSize(5);

      // An upstream gRPC error arrives with its status and message (trailers preserved).
      assertThatThrownBy(() -> EchoGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
              .echo(EchoRequest.newBuilder().setStatusCode(Status.Code.NOT_FOUND.value())
                  .setStatusMessage("no such thing").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).isEqualTo("no such thing");
          });
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    try (Socket sock = new Socket("127.0.0.1", s.tcp())) {
      sock.setSoTimeout(10_000);
      sock.getOutputStream().write("round trip".getBytes(StandardCharsets.US_ASCII));
      // Read the echo before closing: the proxy does not relay a half-close (FIN) yet.
      assertThat(new String(sock.getInputStream().readNBytes(10), StandardCharsets.US_ASCII)).isEqualTo("round trip");
    }
  }

  @Test
  @Requires(Prerequisite.CURL)
  void h2cPriorKnowledgeWorks(MeshProcesses mesh) {
    TestAppProcess app = mesh.testapp("webapp");
    Setup s = start(mesh, app);
    // HTTP/2 downstream (prior knowledge, as h2c clients and gRPC do) to the HTTP/1.1 upstream.
    CommandResult r = Curl.run("-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
        "http://127.0.0.1:" + s.http() + "/status/201");
    assertThat(r.stdout()).isEqualTo("2 201");
  }

  /** Sends raw bytes, returns everything the proxy answered before closing (or the first response). */
  private static String raw(int port, String request) throws Exception {
    try (Socket sock = new Socket("127.0.0.1", port)) {
      sock.setSoTimeout(10_000);
      sock.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      sock.getOutputStream().flush();
      InputStream in = sock.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          out.write(buf, 0, n);
          if (out.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) break;
        }
      } catch (SocketException reset) {
        // the proxy closed after answering
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void malformedRequestsGetTheRight4xxAndTheProxyKeepsServing(MeshProcesses mesh) throws Exception {
    TestAppProcess app = mesh.testapp("webapp");
    Setup s = start(mesh, app);
    int port = s.http();

    assertThat(raw(port, "GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(raw(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(70 * 1024) + "\r\n\r\n"))
        .startsWith("HTTP/1.1 431");
    assertThat(raw(port, "POST /anything HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(raw(port, "GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n")).startsWith("HTTP/1.1 400");

    // A client that sends its headers byte by byte is cut off by the 1 s request-headers timeout.
    try (Socket slow = new Socket("127.0.0.1", port)) {
      slow.setSoTimeout(15_000);
      OutputStream out = slow.getOutputStream();
      long t0 = System.nanoTime();
      boolean cut = false;
      String partial = "GET /get HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      try {
        for (int i = 0; i < 200 && !cut; i++) {
          out.write(partial.charAt(i % partial.length()));
          out.flush();
          // Pace the bytes so only the header timeout (not a read timeout here) can end this.
          cut = slow.getInputStream().available() > 0 || readsEof(slow);
        }
      } catch (SocketException closed) {
        cut = true;
      }
      assertThat(cut).as("connection closed by the proxy").isTrue();
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(14));
    }

    assertThat(Http.get("http://127.0.0.1:" + port + "/get").status()).isEqualTo(200);
    assertThat(s.proxy().process().isAlive()).isTrue();
  }

  /** Waits up to 100 ms for the peer: true when it closed the connection. */
  private static boolean readsEof(Socket s) throws Exception {
    s.setSoTimeout(100);
    try {
      int b = s.getInputStream().read();
      return b < 0 || b > 0;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } finally {
      s.setSoTimeout(15_000);
    }
  }
}
