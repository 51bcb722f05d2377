package io.minimesh.dataplane.upstream.health;

import io.minimesh.api.xds.v1.HealthCheck;
import io.minimesh.api.xds.v1.Int64Range;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * Probes over real connections on one event loop: HTTP ({@code GET path}, {@code Host} = the
 * configured host or the cluster name, {@code User-Agent: Envoy/HC}, healthy when the status is in
 * {@code expected_statuses}, default 200) or TCP (healthy when the connection is accepted). gRPC
 * health checks are not supported (rejected when building).
 */
public final class NettyProber implements Prober {
  private final EventLoop loop;
  private final Class<? extends Channel> channelClass;
  private final long timeoutNanos;
  private final HealthCheck.HttpHealthCheck http; // null for TCP

  private final String host;
  private final IntPredicate expected;

  private NettyProber(EventLoop loop, Class<? extends Channel> channelClass, HealthCheck config,
      String clusterName) {
    this.loop = loop;
    this.channelClass = channelClass;
    this.timeoutNanos = ActiveHealthChecker.timeout(config).toNanos();
    this.http = config.hasHttpHealthCheck() ? config.getHttpHealthCheck() : null;
    this.host = http == null || http.getHost().isEmpty() ? clusterName : http.getHost();
    this.expected = http == null ? s -> true : expected(http.getExpectedStatusesList());
  }

  /**
   * @param loop the event loop probes (and their callbacks) run on
   * @param channelClass the socket channel class matching the loop's transport
   * @throws IllegalArgumentException for gRPC or missing health checker kinds
   */
  public static NettyProber create(HealthCheck config, String clusterName, EventLoop loop,
      Class<? extends Channel> channelClass) {
    switch (config.getHealthCheckerCase()) {
      case HTTP_HEALTH_CHECK:
      case TCP_HEALTH_CHECK:
        return new NettyProber(loop, channelClass, config, clusterName);
      case GRPC_HEALTH_CHECK:
        throw new IllegalArgumentException("grpc_health_check: not supported");
      default:
        throw new IllegalArgumentException(
            "health_checker: one of http_health_check, tcp_health_check is required");
    }
  }

  static IntPredicate expected(List<Int64Range> ranges) {
    if (ranges.isEmpty()) {
      return s -> s == 200;
    }
    return s -> {
      for (Int64Range r : ranges) {
        if (s >= r.getStart() && s < r.getEnd()) {
          return true;
        }
      }
      return false;
    };
  }

  @Override
  public void probe(InetSocketAddress address, Consumer<ProbeResult> done) {
    ProbeCompletion completion = new ProbeCompletion(done);
    Bootstrap b = new Bootstrap().group(loop).channel(channelClass)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)))
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (http != null) {
              String path = http.getPath().isEmpty() ? "/" : http.getPath();
              ch.pipeline().addLast(new HttpClientCodec(),
                  new HttpProbeHandler(host, path, expected, completion));
            }
          }
        });
    ChannelFuture connect = b.connect(address);
    Channel ch = connect.channel();
    ScheduledFuture<?> timeout = loop.schedule(() -> {
      completion.complete(ProbeResult.TIMEOUT);
      ch.close();
    }, timeoutNanos, TimeUnit.NANOSECONDS);
    completion.onComplete(() -> timeout.cancel(false));
    connect.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        completion.complete(ProbeResult.NETWORK_FAILURE);
      } else if (http == null) {
        completion.complete(ProbeResult.HEALTHY);
        ch.close();
      }
    });
  }
}
