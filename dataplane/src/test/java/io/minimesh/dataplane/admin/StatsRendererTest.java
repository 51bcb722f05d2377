package io.minimesh.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.stats.ClusterStats;
import io.minimesh.dataplane.stats.HttpStats;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StatsRendererTest {
  @Test
  void envoyNamesAndPrometheusTags() {
    StatsRegistry r = new StatsRegistry();
    ClusterStats c = new ClusterStats(r, "outbound|80||reviews.default.svc.cluster.local");
    c.rqTotal.add(3);
    c.response(503);
    new HttpStats(r, "ingress").rqTotal.inc();
    r.gauge("server.live").set(1);
    String text = StatsRenderer.text(r, Pattern.compile("upstream_rq_(total|503|5xx)"));
    assertThat(text).isEqualTo(
        "cluster.outbound|80||reviews.default.svc.cluster.local.upstream_rq_503: 1\n"
            + "cluster.outbound|80||reviews.default.svc.cluster.local.upstream_rq_5xx: 1\n"
            + "cluster.outbound|80||reviews.default.svc.cluster.local.upstream_rq_total: 3\n");
    String prom = StatsRenderer.prometheus(r, null);
    assertThat(prom)
        .contains("# TYPE envoy_cluster_upstream_rq_total counter\n"
            + "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"outbound|80||reviews.default.svc.cluster.local\"} 3\n")
        .contains("envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"ingress\"} 1\n")
        .contains("# TYPE envoy_server_live gauge\nenvoy_server_live 1\n");
  }
}
