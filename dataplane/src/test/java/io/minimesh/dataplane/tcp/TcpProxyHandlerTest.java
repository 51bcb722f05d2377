package io.minimesh.dataplane.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.accesslog.AccessLogWriter;
import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.http.ProxyContext;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.runtime.TimeSource;
import io.minimesh.dataplane.runtime.Transport;
import io.minimesh.dataplane.runtime.internal.Compiler;
import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.upstream.UpstreamPools;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** tcp_proxy without a usable cluster closes the connection and counts it; idle timeout closes too. */
@ExtendWith(LeakCheck.class)
class TcpProxyHandlerTest {
  static RuntimeState compile(String yaml, StatsRegistry stats) throws Exception {
    return new Compiler(stats, 1, new ConcurrentHashMap<>())
        .compile(ConfigSnapshot.fromBootstrap(BootstrapLoader.fromString(yaml), Instant.EPOCH));
  }

  static ProxyContext context(RuntimeState st) {
    return new ProxyContext() {
      final AccessLogWriter log = null;

      @Override
      public RuntimeState state() {
        return st;
      }

      @Override
      public UpstreamPools pools(EventLoop loop) {
        return new UpstreamPools(loop, Transport.nio());
      }

      @Override
      public int loopIndex(EventLoop loop) {
        return 0;
      }

      @Override
      public AccessLogWriter accessLog() {
        return log;
      }

      @Override
      public TimeSource time() {
        return TimeSource.SYSTEM;
      }

      @Override
      public boolean draining() {
        return false;
      }
    };
  }

  static final String YAML =
      """
      static_resources:
        listeners:
        - name: t
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.tcp_proxy
              tcp_proxy: {stat_prefix: tp, cluster: CLUSTER, idle_timeout: 2s}
        clusters:
        - {name: empty, connect_timeout: 1s}
      """;

  @Test
  void unknownClusterCloses() throws Exception {
    StatsRegistry stats = new StatsRegistry();
    RuntimeState st = compile(YAML.replace("CLUSTER", "missing"), stats);
    EmbeddedChannel ch = new EmbeddedChannel();
    TcpProxyHandler.init(ch, context(st), () -> st.listeners.get("t").tcp());
    ch.runPendingTasks();
    assertThat(ch.isActive()).isFalse();
    assertThat(stats.snapshot()).containsEntry("tcp.tp.downstream_cx_no_route", 1L).containsEntry("tcp.tp.downstream_cx_total", 1L);
    ch.finishAndReleaseAll();
  }

  @Test
  void noHostsCloses() throws Exception {
    StatsRegistry stats = new StatsRegistry();
    RuntimeState st = compile(YAML.replace("CLUSTER", "empty"), stats);
    EmbeddedChannel ch = new EmbeddedChannel();
    TcpProxyHandler.init(ch, context(st), () -> st.listeners.get("t").tcp());
    ch.runPendingTasks();
    assertThat(ch.isActive()).isFalse();
    assertThat(stats.snapshot()).containsEntry("cluster.empty.upstream_cx_none_healthy", 1L);
    ch.finishAndReleaseAll();
    assertThat(TimeUnit.SECONDS.toMillis(1)).isPositive();
  }
}
