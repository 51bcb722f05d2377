package io.minimesh.dataplane.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import com.sun.net.httpserver.HttpServer;
import io.minimesh.api.xds.v1.HealthCheck;
import io.minimesh.api.xds.v1.Int64Range;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Probes against real sockets on loopback. */
class NettyProberTest {
  EventLoopGroup group;
  EventLoop loop;
  HttpServer server;
  final AtomicInteger status = new AtomicInteger(200);
  final List<String> hostHeaders = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    loop = group.next();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/healthz", ex -> {
      hostHeaders.add(ex.getRequestHeaders().getFirst("Host"));
      ex.sendResponseHeaders(status.get(), -1);
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop(0);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  InetSocketAddress serverAddress() {
    return server.getAddress();
  }

  static HealthCheck http(String path, long timeoutMillis) {
    return HealthCheck.newBuilder().setTimeout(Durations.fromMillis(timeoutMillis))
        .setInterval(Durations.fromMillis(100)).setUnhealthyThreshold(2).setHealthyThreshold(1)
        .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath(path)).build();
  }

  ProbeResult probeOnce(NettyProber prober, InetSocketAddress address) throws Exception {
    CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    loop.execute(() -> prober.probe(address, result::complete));
    return result.get(10, TimeUnit.SECONDS);
  }

  NettyProber prober(HealthCheck config) {
    return NettyProber.create(config, "outbound|80||reviews", loop, NioSocketChannel.class);
  }

  @Test
  void httpStatusDecidesAndHostDefaultsToClusterName() throws Exception {
    NettyProber p = prober(http("/healthz", 2_000));
    assertThat(probeOnce(p, serverAddress())).isEqualTo(ProbeResult.HEALTHY);
    assertThat(hostHeaders).containsExactly("outbound|80||reviews");
    status.set(503);
    assertThat(probeOnce(p, serverAddress())).isEqualTo(ProbeResult.ACTIVE_FAILURE);
  }

  @Test
  void expectedStatusRanges() throws Exception {
    HealthCheck c = http("/healthz", 2_000).toBuilder().setHttpHealthCheck(
        HealthCheck.HttpHealthCheck.newBuilder().setPath("/healthz").setHost("probe.local")
            .addExpectedStatuses(Int64Range.newBuilder().setStart(200).setEnd(300))).build();
    status.set(204);
    assertThat(probeOnce(prober(c), serverAddress())).isEqualTo(ProbeResult.HEALTHY);
    assertThat(hostHeaders).containsExactly("probe.local");
  }

  @Test
  void refusedConnectionIsANetworkFailure() throws Exception {
    InetSocketAddress closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = (InetSocketAddress) s.getLocalSocketAddress();
    }
    assertThat(probeOnce(prober(http("/healthz", 2_000)), closed))
        .isEqualTo(ProbeResult.NETWORK_FAILURE);
  }

  @Test
  void silentServerTimesOut() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      // Accepted by the kernel backlog, never answered.
      assertThat(probeOnce(prober(http("/healthz", 200)),
          (InetSocketAddress) silent.getLocalSocketAddress())).isEqualTo(ProbeResult.TIMEOUT);
    }
  }

  @Test
  void tcpProbeIsHealthyWhenTheConnectionIsAccepted() throws Exception {
    HealthCheck tcp = HealthCheck.newBuilder().setTimeout(Durations.fromMillis(2_000))
        .setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance()).build();
    assertThat(probeOnce(prober(tcp), serverAddress())).isEqualTo(ProbeResult.HEALTHY);
  }

  @Test
  void grpcHealthCheckIsRejected() {
    HealthCheck grpc = HealthCheck.newBuilder()
        .setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.getDefaultInstance()).build();
    assertThatThrownBy(() -> prober(grpc)).hasMessage("grpc_health_check: not supported");
  }

  @Test
  void checkerFollowsAServerGoingDownAndComingBack() {
    HealthCheck config = http("/healthz", 1_000);
    List<Boolean> changes = new CopyOnWriteArrayList<>();
    ActiveHealthChecker<InetSocketAddress> checker = new ActiveHealthChecker<>(config, a -> a,
        prober(config), Scheduler.of(loop), (host, healthy) -> changes.add(healthy));
    InetSocketAddress host = serverAddress();
    loop.execute(() -> checker.updateHosts(List.of(host)));
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(true)));
    status.set(500);
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(true, false)));
    status.set(200);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> changes.equals(List.of(true, false, true)));
    loop.execute(checker::close);
  }
}
