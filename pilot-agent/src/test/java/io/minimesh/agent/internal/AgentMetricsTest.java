package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
  private final ManualScheduler clock = new ManualScheduler();

  @Test
  void agentMetricsComeFirstThenTheProxysOwn() throws Exception {
    try (FakeHttpServer admin = new FakeHttpServer()) {
      admin.reply("/stats/prometheus", 200,
          "# TYPE envoy_cluster_upstream_rq_total counter\n"
              + "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"outbound|80||reviews\"} 7");
      long start = clock.nanoTime();
      AtomicReference<ProxySupervisor.Status> status =
          new AtomicReference<>(new ProxySupervisor.Status(true, 42, 3, 2, start, 1, false));
      AgentMetrics m = new AgentMetrics(status::get, () -> Readiness.READY,
          new AdminClient("127.0.0.1", admin.port(), Duration.ofSeconds(5)), clock, "1.2.3", "sidecar");
      clock.advance(Duration.ofMillis(12_500));

      String text = m.render();
      assertThat(text).contains(
          "# TYPE minimesh_agent_proxy_restarts_total counter\nminimesh_agent_proxy_restarts_total 2\n",
          "minimesh_agent_uptime_seconds 12.500\n",
          "minimesh_agent_proxy_uptime_seconds 12.500\n",
          "minimesh_agent_proxy_running 1\n",
          "minimesh_agent_proxy_ready 1\n",
          "minimesh_agent_build_info{version=\"1.2.3\",role=\"sidecar\"} 1\n",
          "minimesh_agent_proxy_scrape_failures_total 0\n");
      assertThat(text).endsWith(
          "# TYPE envoy_cluster_upstream_rq_total counter\n"
              + "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"outbound|80||reviews\"} 7\n");
      assertThat(text.indexOf("minimesh_agent_")).isLessThan(text.indexOf("envoy_cluster"));

      // Proxy down: the agent's metrics still answer, with the failure counted.
      admin.remove("/stats/prometheus");
      String down = m.render();
      assertThat(down).contains("minimesh_agent_proxy_scrape_failures_total 1\n").doesNotContain("envoy_");

      status.set(new ProxySupervisor.Status(false, -1, 3, 2, start, 1, false));
      assertThat(m.render()).contains("minimesh_agent_proxy_running 0\n", "minimesh_agent_proxy_uptime_seconds 0\n");
    }
  }
}
