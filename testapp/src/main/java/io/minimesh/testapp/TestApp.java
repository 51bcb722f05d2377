package io.minimesh.testapp;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.minimesh.testapp.internal.EchoService;
import io.minimesh.testapp.internal.HttpServerInitializer;
import io.minimesh.testapp.internal.TcpEchoHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The running test application: an HTTP (HTTP/1.1 + h2c) server, a gRPC echo server and a TCP echo
 * server. Public so that module tests may also run it in-process.
 */
public final class TestApp implements AutoCloseable {

  /** Command-line options; port 0 picks a free port. */
  public record Config(String name, String bind, int httpPort, int grpcPort, int tcpPort) {
    public Config {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(bind, "bind");
      checkPort("--http-port", httpPort);
      checkPort("--grpc-port", grpcPort);
      checkPort("--tcp-port", tcpPort);
    }

    private static void checkPort(String flag, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(flag + ": port out of range 0..65535: " + port);
      }
    }
  }

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel http;
  private final Channel tcp;
  private final Server grpc;

  private TestApp(EventLoopGroup boss, EventLoopGroup workers, Channel http, Channel tcp, Server grpc) {
    this.boss = boss;
    this.workers = workers;
    this.http = http;
    this.tcp = tcp;
    this.grpc = grpc;
  }

  public static TestApp start(Config config) throws IOException, InterruptedException {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    // gRPC delays are scheduled on an event loop: no extra thread, never blocking.
    ScheduledExecutorService grpcTimer = workers.next();
    Server grpc = null;
    try {
      Channel http = bind(boss, workers, config.bind(), config.httpPort(),
          new HttpServerInitializer(config.name()));
      Channel tcp = bind(boss, workers, config.bind(), config.tcpPort(), new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel ch) {
          ch.config().setAutoRead(false);
          ch.pipeline().addLast(new TcpEchoHandler());
        }
      });
      grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.bind(), config.grpcPort()))
          .bossEventLoopGroup(boss)
          .workerEventLoopGroup(workers)
          .channelType(NioServerSocketChannel.class)
          .addService(ServerInterceptors.intercept(new EchoService(config.name(), grpcTimer),
              EchoService.metadataInterceptor(config.name())))
          .build()
          .start();
      return new TestApp(boss, workers, http, tcp, grpc);
    } catch (IOException | RuntimeException | InterruptedException e) {
      if (grpc != null) {
        grpc.shutdownNow();
      }
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  private static Channel bind(EventLoopGroup boss, EventLoopGroup workers, String host, int port,
      ChannelInitializer<SocketChannel> init) throws IOException, InterruptedException {
    var future = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(init)
        .bind(host, port)
        .await();
    if (!future.isSuccess()) {
      throw new IOException("cannot bind " + host + ":" + port + ": " + future.cause().getMessage(),
          future.cause());
    }
    return future.channel();
  }

  public int httpPort() {
    return ((InetSocketAddress) http.localAddress()).getPort();
  }

  public int grpcPort() {
    return ((InetSocketAddress) grpc.getListenSockets().get(0)).getPort();
  }

  public int tcpPort() {
    return ((InetSocketAddress) tcp.localAddress()).getPort();
  }

  @Override
  public void close() {
    http.close().awaitUninterruptibly();
    tcp.close().awaitUninterruptibly();
    grpc.shutdown();
    try {
      if (!grpc.awaitTermination(2, TimeUnit.SECONDS)) {
        grpc.shutdownNow();
      }
    } catch (InterruptedException e) {
      grpc.shutdownNow();
      Thread.currentThread().interrupt();
    }
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
