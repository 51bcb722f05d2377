package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** WebSocket upgrade passes through when the connection manager enables it. */
@ExtendWith(LeakCheck.class)
class WebSocketTest {
  static EventLoopGroup group;
  static Channel server;
  static ProxyRuntime proxy;

  @BeforeAll
  static void start() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketServerProtocolHandler("/ws"),
                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                    ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
                  }
                });
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    int wsPort = ((InetSocketAddress) server.localAddress()).getPort();
    proxy = Proxies.start(
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
                  stat_prefix: ws
                  upgrade_configs: [{upgrade_type: websocket}]
                  route_config:
                    virtual_hosts:
                    - {name: v, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: ws}}]}
          clusters:
        """ + Proxies.staticCluster("ws", "", wsPort));
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) proxy.close();
    if (server != null) server.close().sync();
    if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  @Test
  void echoesThroughTheProxy() throws Exception {
    CompletableFuture<String> got = new CompletableFuture<>();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + proxy.listenerAddress("http").getPort() + "/ws"),
            new WebSocket.Listener() {
              @Override
              public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                got.complete(data.toString());
                return null;
              }
            })
        .get(10, TimeUnit.SECONDS);
    ws.sendText("hi", true).get(5, TimeUnit.SECONDS);
    assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("echo:hi");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
  }
}
