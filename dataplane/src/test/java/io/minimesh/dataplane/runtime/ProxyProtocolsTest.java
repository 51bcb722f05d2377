package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.minimesh.dataplane.testing.TestUpstream;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** HTTP/2 (h2c), gRPC and TCP through the proxy. */
@ExtendWith(LeakCheck.class)
class ProxyProtocolsTest {
  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
  static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<byte[], byte[]> STREAM = method("Stream", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);

  static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName("test.Echo/" + name)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  static Server grpc;
  static TestUpstream h1;
  static TestUpstream h2;
  static EventLoopGroup echoGroup;
  static Channel echo;
  static ProxyRuntime proxy;
  static int httpPort;
  static int tcpPort;
  static int echoPortSeen;
  static java.nio.file.Path tcpLog;

  @BeforeAll
  static void start() throws Exception {
    ServerServiceDefinition def =
        ServerServiceDefinition.builder("test.Echo")
            .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, obs) -> {
              obs.onNext(req);
              obs.onCompleted();
            }))
            .addMethod(STREAM, ServerCalls.asyncServerStreamingCall((req, obs) -> {
              for (int i = 0; i < 3; i++) obs.onNext((new String(req, StandardCharsets.UTF_8) + i).getBytes(StandardCharsets.UTF_8));
              obs.onCompleted();
            }))
            .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, obs) ->
                obs.onError(Status.PERMISSION_DENIED.withDescription("nope").asRuntimeException())))
            .build();
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(def).build().start();
    h1 = new TestUpstream("h1", false);
    h2 = new TestUpstream("h2", true);
    echoGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    echo = new ServerBootstrap().group(echoGroup).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.writeAndFlush(msg);
              }
            });
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    int echoPort = ((InetSocketAddress) echo.localAddress()).getPort();
    String yaml =
        """
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        static_resources:
          listeners:
          - name: http
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                http_connection_manager:
                  stat_prefix: ingress
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/test.Echo/"}
                        route: {cluster: grpc}
                      - match: {prefix: "/test.Echo2/"}
                        route: {cluster: grpc-downstream-protocol, prefix_rewrite: "/test.Echo/"}
                      - match: {prefix: "/grpc.Missing/"}
                        route: {cluster: empty}
                      - match: {prefix: "/h2/"}
                        route: {cluster: h2, prefix_rewrite: "/"}
                      - match: {prefix: "/"}
                        route: {cluster: h1}
          - name: tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                tcp_proxy:
                  stat_prefix: echo
                  cluster: echo
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: TCP_LOG
                      log_format: {text_format_source: {inline_string: "%UPSTREAM_CLUSTER% %BYTES_RECEIVED% %BYTES_SENT% %UPSTREAM_HOST% %RESPONSE_FLAGS% %RESPONSE_CODE% %REQ(:METHOD)%\\n"}}
          - name: tcp-empty
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                tcp_proxy: {stat_prefix: none, cluster: empty, access_log: [{path: TCP_LOG}]}
          clusters:
        """
            + Proxies.staticCluster("grpc", "    upstream_protocol: HTTP2\n", grpc.getPort())
            + Proxies.staticCluster("h2", "    http2_protocol_options: {}\n", h2.port())
            + Proxies.staticCluster("grpc-downstream-protocol", "    upstream_protocol: USE_DOWNSTREAM\n", grpc.getPort())
            + Proxies.staticCluster("h1", "", h1.port())
            + Proxies.staticCluster("echo", "", echoPort)
            + "  - name: empty\n    connect_timeout: 1s\n";
    tcpLog = java.nio.file.Files.createTempFile("tcp-access", ".log");
    proxy = Proxies.start(yaml.replace("TCP_LOG", tcpLog.toString()));
    httpPort = proxy.listenerAddress("http").getPort();
    tcpPort = proxy.listenerAddress("tcp").getPort();
    echoPortSeen = echoPort;
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) proxy.close();
    if (grpc != null) grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    if (h1 != null) h1.close();
    if (h2 != null) h2.close();
    if (echo != null) echo.close().sync();
    if (echoGroup != null) echoGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  static ManagedChannel channel() {
    return NettyChannelBuilder.forAddress("127.0.0.1", httpPort).usePlaintext().build();
  }

  @Test
  void grpcUnaryAndStreamingWithTrailers() throws Exception {
    ManagedChannel ch = channel();
    try {
      byte[] out = ClientCalls.blockingUnaryCall(ch, UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
          "hello".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("hello");
      Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(ch, STREAM,
          CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "m".getBytes(StandardCharsets.UTF_8));
      List<String> got = new ArrayList<>();
      it.forEachRemaining(b -> got.add(new String(b, StandardCharsets.UTF_8)));
      assertThat(got).containsExactly("m0", "m1", "m2");
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, FAIL, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[0]))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).isEqualTo("nope");
          });
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void useDownstreamProtocolCarriesGrpc() throws Exception {
    ManagedChannel ch = channel();
    try {
      MethodDescriptor<byte[], byte[]> m = UNARY.toBuilder().setFullMethodName("test.Echo2/Unary").build();
      byte[] out = ClientCalls.blockingUnaryCall(ch, m, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
          "via".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("via");
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void grpcLocalErrorIsGrpcStatus() throws Exception {
    ManagedChannel ch = channel();
    try {
      MethodDescriptor<byte[], byte[]> missing = UNARY.toBuilder().setFullMethodName("grpc.Missing/Call").build();
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, missing, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[0]))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).isEqualTo("no healthy upstream");
          });
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void http2PriorKnowledgeDownstreamAndHttp2Upstream() throws Exception {
    Process p = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "-o", "-", "-w", "\n%{http_version} %{http_code}",
        "http://127.0.0.1:" + httpPort + "/h2/hello").redirectErrorStream(true).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).isEqualTo("ok /hello\n2 200");
    assertThat(h2.hits("/hello")).isEqualTo(1);
    HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/h2/x"))
        .POST(HttpRequest.BodyPublishers.ofString("body")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok /x");
    assertThat(r.headers().firstValue("x-served-by")).hasValue("h2");
  }

  @Test
  void largeBodyStreamsThroughH2ToH1() throws Exception {
    String big = "z".repeat(300_000);
    Process p = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "--data-binary", "@-", "-o", "-",
        "http://127.0.0.1:" + httpPort + "/echo").start();
    p.getOutputStream().write(big.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(out).hasSize(big.length()).isEqualTo(big);
  }

  @Test
  void tcpProxyEchoes() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", tcpPort), 2000);
      s.setSoTimeout(5000);
      byte[] msg = "ping through tcp_proxy".getBytes(StandardCharsets.UTF_8);
      s.getOutputStream().write(msg);
      s.getOutputStream().flush();
      byte[] got = s.getInputStream().readNBytes(msg.length);
      assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("ping through tcp_proxy");
    }
    assertThat(proxy.stats().snapshot().get("tcp.echo.downstream_cx_total")).isGreaterThanOrEqualTo(1);
    assertThat(Duration.ofMillis(1)).isPositive();
  }

  @Test
  void tcpProxyWritesOneAccessLogLinePerConnection() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", tcpPort), 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write("0123456789".getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      assertThat(s.getInputStream().readNBytes(10)).hasSize(10);
    }
    String expected = "echo 10 10 127.0.0.1:" + echoPortSeen + " - 0 -";
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
        java.nio.file.Files.readAllLines(tcpLog).contains(expected));

    // No endpoint: the connection is closed and the line says why (Envoy's UH).
    int emptyPort = proxy.listenerAddress("tcp-empty").getPort();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", emptyPort), 2000);
      s.setSoTimeout(5000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
        java.nio.file.Files.readAllLines(tcpLog).stream().anyMatch(l -> l.contains("\"- - -\" 0 UH 0 0 ")));
  }
}
