package io.minimesh.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.Proxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ORIGINAL_DST clusters and original-destination filter chain selection over real sockets, without
 * iptables (the netns e2e test covers redirected connections): the x-envoy-original-dst-host header,
 * upstream_bind_config, and what happens when nothing was redirected.
 */
@ExtendWith(LeakCheck.class)
class OriginalDstProxyTest {
  private ServerSocket upstream;
  private final CopyOnWriteArrayList<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
  private Thread acceptor;
  private ProxyRuntime proxy;

  @BeforeEach
  void start() throws IOException {
    upstream = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
    acceptor = new Thread(this::serve, "test-upstream");
    acceptor.setDaemon(true);
    acceptor.start();
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
                  stat_prefix: http
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        route: {cluster: passthrough}
          - name: tcp-original
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            listener_filters: [original_dst]
            filter_chains:
            - filter_chain_match: {destination_port: 1}
              filters:
              - name: envoy.filters.network.tcp_proxy
                tcp_proxy: {stat_prefix: never, cluster: nowhere}
            default_filter_chain:
              filters:
              - name: envoy.filters.network.tcp_proxy
                tcp_proxy: {stat_prefix: fallback, cluster: direct}
          - name: tcp-passthrough
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            use_original_dst: true
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                tcp_proxy: {stat_prefix: passthrough, cluster: tcp-passthrough}
          clusters:
          - name: passthrough
            type: ORIGINAL_DST
            connect_timeout: 1s
            original_dst_lb_config: {use_http_header: true}
            upstream_bind_config: {source_address: {address: 127.0.0.6, port_value: 0}}
          - name: tcp-passthrough
            type: ORIGINAL_DST
            connect_timeout: 1s
        """
            + Proxies.staticCluster("direct", "", upstream.getLocalPort())
            + Proxies.staticCluster("nowhere", "", 1);
    proxy = Proxies.start(yaml);
  }

  @AfterEach
  void stop() throws IOException {
    if (proxy != null) proxy.close();
    upstream.close();
  }

  /** HTTP/1.1 "ok" to each request, or echo for raw TCP (first bytes "PING"). */
  private void serve() {
    while (!upstream.isClosed()) {
      try {
        Socket s = upstream.accept();
        peers.add((InetSocketAddress) s.getRemoteSocketAddress());
        Thread t = new Thread(() -> handle(s));
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void handle(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[8192];
      StringBuilder seen = new StringBuilder();
      int n;
      while ((n = in.read(buf)) > 0) {
        seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        if (seen.toString().startsWith("PING")) {
          out.write(buf, 0, n);
          out.flush();
          seen.setLength(0);
        } else if (seen.indexOf("\r\n\r\n") >= 0) {
          out.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          seen.setLength(0);
        }
      }
    } catch (IOException ignored) {
      // client went away
    }
  }

  private HttpResponse<String> get(String header) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + proxy.listenerAddress("http").getPort() + "/x")).timeout(Duration.ofSeconds(10));
    if (header != null) b.header("x-envoy-original-dst-host", header);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void httpGoesToTheHeadersDestinationFromTheBindAddress() throws Exception {
    HttpResponse<String> r = get("127.0.0.1:" + upstream.getLocalPort());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok");
    assertThat(peers).extracting(a -> a.getAddress().getHostAddress()).containsOnly("127.0.0.6");
    assertThat(proxy.stats().snapshot()).containsEntry("cluster.passthrough.upstream_rq_total", 1L);
  }

  @Test
  void withoutAnOriginalDestinationTheClusterHasNoHost() throws Exception {
    HttpResponse<String> r = get(null);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("no healthy upstream");
    assertThat(get("not-an-address").statusCode()).isEqualTo(503);
  }

  @Test
  void aConnectionThatWasNotRedirectedUsesTheChainOfItsLocalPort() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.listenerAddress("tcp-original").getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("PING".getBytes(StandardCharsets.US_ASCII));
      byte[] back = s.getInputStream().readNBytes(4);
      assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("PING");
    }
    assertThat(proxy.stats().snapshot()).containsEntry("tcp.fallback.downstream_cx_total", 1L);
  }

  @Test
  void tcpToAnOriginalDstClusterWithoutRedirectIsClosed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.listenerAddress("tcp-passthrough").getPort())) {
      s.setSoTimeout(10_000);
      int read;
      try {
        read = s.getInputStream().read();
      } catch (SocketTimeoutException e) {
        read = -2;
      } catch (IOException reset) {
        read = -1;
      }
      assertThat(read).as("closed by the proxy").isEqualTo(-1);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(proxy.stats().snapshot()).containsEntry("cluster.tcp-passthrough.upstream_cx_none_healthy", 1L));
    assertThat(peers).isEmpty();
  }
}
