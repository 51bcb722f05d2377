package io.minimesh.dataplane.upstream;

import io.minimesh.dataplane.runtime.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The upstream connection pools of one event loop: per cluster and host, an HTTP/1.1 keep-alive
 * pool or one multiplexed HTTP/2 connection. Owned by that loop; never touched from another thread.
 */
public final class UpstreamPools {
  private final EventLoop loop;
  private final Transport transport;
  private final Map<String, Http1Pool> h1 = new HashMap<>();
  private final Map<String, Http2Conn> h2 = new HashMap<>();

  public UpstreamPools(EventLoop loop, Transport transport) {
    this.loop = loop;
    this.transport = transport;
  }

  public EventLoop loop() {
    return loop;
  }

  /** Starts a stream to {@code host}; the callbacks hear about readiness or failure. */
  public Runnable newStream(ClusterRuntime cluster, HostImpl host, UpstreamCallbacks cb) {
    return newStream(cluster, host, false, cb);
  }

  /**
   * As {@link #newStream(ClusterRuntime, HostImpl, UpstreamCallbacks)}; {@code downstreamHttp2}
   * decides the protocol for clusters with {@code upstream_protocol: USE_DOWNSTREAM}.
   *
   * @return for a request left pending (waiting for a connection under max_connections), what
   *     takes it out of the queue when it is abandoned; null otherwise
   */
  public Runnable newStream(ClusterRuntime cluster, HostImpl host, boolean downstreamHttp2, UpstreamCallbacks cb) {
    String key = cluster.name + "|" + host.addressString();
    if (cluster.usesHttp2(downstreamHttp2)) {
      Http2Conn c = h2.get(key);
      if (c == null || c.isDead()) {
        c = new Http2Conn(this, cluster, host);
        h2.put(key, c);
      }
      c.newStream(cb);
      return null;
    }
    return h1.computeIfAbsent(key, k -> new Http1Pool(this, cluster, host)).newStream(cluster, cb);
  }

  /**
   * Opens a TCP connection on this loop (connect timeout from the cluster), counting cluster stats.
   * The caller has taken a max_connections slot; it is given back when the connection ends.
   */
  void connect(
      ClusterRuntime cluster,
      HostImpl host,
      ChannelInitializer<Channel> init,
      boolean autoRead,
      Consumer<Channel> onConnected,
      Consumer<String> onFailure) {
    cluster.stats.cxTotal.inc();
    host.stats.cxTotal.increment();
    io.minimesh.dataplane.tls.UpstreamTls tls = cluster.tls();
    if (tls != null) {
      // TLS origination: the SslHandler goes first; "connected" means handshake done.
      init = UpstreamTlsSetup.wrap(tls, host, init);
      onConnected = UpstreamTlsSetup.afterHandshake(cluster, onConnected, onFailure);
    }
    Consumer<Channel> connected = onConnected;
    Bootstrap b =
        new Bootstrap()
            .group(loop)
            .channel(transport.socketChannel())
            .option(ChannelOption.AUTO_READ, autoRead)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeoutMs))
            .handler(init);
    (cluster.upstreamBindAddress == null ? b.connect(host.address()) : b.connect(host.address(), cluster.upstreamBindAddress))
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    cluster.stats.cxActive.inc();
                    host.stats.cxActive.incrementAndGet();
                    f.channel()
                        .closeFuture()
                        .addListener(
                            x -> {
                              cluster.breakers().connections.release(cluster.maxConnections);
                              cluster.stats.cxActive.dec();
                              cluster.stats.cxDestroy.inc();
                              host.stats.cxActive.decrementAndGet();
                            });
                    cluster.reportConnected(host);
                    connected.accept(f.channel());
                  } else {
                    cluster.breakers().connections.release(cluster.maxConnections);
                    cluster.stats.cxConnectFail.inc();
                    host.stats.cxConnectFail.increment();
                    boolean timeout = f.cause() instanceof ConnectTimeoutException;
                    if (timeout) cluster.stats.cxConnectTimeout.inc();
                    cluster.reportLocalFailure(host, timeout
                        ? io.minimesh.dataplane.upstream.outlier.OutlierDetector.LocalOriginFailure.TIMEOUT
                        : io.minimesh.dataplane.upstream.outlier.OutlierDetector.LocalOriginFailure.CONNECT_FAILED);
                    onFailure.accept(timeout ? "connection timeout" : "connection failure");
                  }
                });
  }

  /** Opens a raw TCP connection (tcp_proxy) on this loop. */
  public void connectRaw(
      ClusterRuntime cluster,
      HostImpl host,
      ChannelInitializer<Channel> init,
      Consumer<Channel> onConnected,
      Consumer<String> onFailure) {
    if (!cluster.breakers().connections.tryAcquire(cluster.maxConnections)) {
      // tcp_proxy: over max_connections the downstream connection is refused (Envoy's UO).
      cluster.stats.cxOverflow.inc();
      onFailure.accept("overflow");
      return;
    }
    connect(cluster, host, init, false, onConnected, onFailure);
  }
}
