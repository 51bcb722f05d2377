package io.minimesh.dataplane.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.TestContext;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** tcp_proxy without a usable cluster closes the connection and counts it. */
@ExtendWith(LeakCheck.class)
class TcpProxyHandlerTest {
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
    TestContext ctx = new TestContext(YAML.replace("CLUSTER", "missing"));
    StatsRegistry stats = ctx.stats;
    EmbeddedChannel ch = new EmbeddedChannel();
    TcpProxyHandler.init(ch, ctx, () -> ctx.state.listeners.get("t").tcp());
    ch.runPendingTasks();
    assertThat(ch.isActive()).isFalse();
    assertThat(stats.snapshot()).containsEntry("tcp.tp.downstream_cx_no_route", 1L).containsEntry("tcp.tp.downstream_cx_total", 1L);
    ch.finishAndReleaseAll();
    ctx.close();
  }

  @Test
  void noHostsCloses() throws Exception {
    TestContext ctx = new TestContext(YAML.replace("CLUSTER", "empty"));
    StatsRegistry stats = ctx.stats;
    EmbeddedChannel ch = new EmbeddedChannel();
    TcpProxyHandler.init(ch, ctx, () -> ctx.state.listeners.get("t").tcp());
    ch.runPendingTasks();
    assertThat(ch.isActive()).isFalse();
    assertThat(stats.snapshot()).containsEntry("cluster.empty.upstream_cx_none_healthy", 1L);
    ch.finishAndReleaseAll();
    ctx.close();
  }
}
