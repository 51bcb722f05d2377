package io.minimesh.meshctl.internal.views;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.EndpointDump;
import io.minimesh.api.xds.v1.HealthStatus;
import io.minimesh.api.xds.v1.LbEndpoint;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.api.xds.v1.SocketAddress;
import io.minimesh.meshctl.MeshctlException;
import io.minimesh.meshctl.internal.output.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code proxy-config endpoints}, from the proxy's {@code /clusters?format=json} (Envoy's shape, see
 * docs/meshctl.md) or, for a saved config dump, from its EDS and static load assignments.
 */
public final class EndpointView {
  public record Filter(String address, Integer port, String cluster, String status) {
    public static final Filter ALL = new Filter(null, null, null, null);

    boolean keeps(Row r) {
      return (address == null || address.equals(r.address()))
          && (port == null || port == r.port())
          && (cluster == null || cluster.equals(r.cluster()))
          && (status == null || status.equalsIgnoreCase(r.status()));
    }
  }

  /** One host of one cluster; {@code json} is the host status as the proxy reported it. */
  public record Row(String address, int port, String status, boolean failedOutlier, String cluster, JsonNode json) {
    String endpoint() {
      return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }
  }

  /** Parses {"cluster_statuses":[{"name":…,"host_statuses":[…]}]}. */
  public static List<Row> fromClusters(JsonNode clusters) {
    JsonNode statuses = clusters.path("cluster_statuses");
    if (!statuses.isArray()) {
      throw new MeshctlException("the proxy's /clusters?format=json has no \"cluster_statuses\" array");
    }
    List<Row> rows = new ArrayList<>();
    for (JsonNode c : statuses) {
      String name = c.path("name").asText();
      for (JsonNode h : c.path("host_statuses")) {
        JsonNode sa = h.path("address").path("socket_address");
        JsonNode hs = h.path("health_status");
        String status = hs.path("eds_health_status").asText("HEALTHY");
        // Like istioctl: a host failing active health checks shows as UNHEALTHY.
        if (hs.path("failed_active_health_check").asBoolean(false)) status = "UNHEALTHY";
        rows.add(
            new Row(
                sa.path("address").asText(),
                sa.path("port_value").asInt(),
                status.isEmpty() ? "HEALTHY" : status,
                hs.path("failed_outlier_check").asBoolean(false),
                name,
                h));
      }
    }
    return rows;
  }

  /** Endpoints a config dump declares: EDS assignments, then static clusters' own load assignments. */
  public static List<Row> fromConfigDump(ConfigDump dump) {
    Map<String, ClusterLoadAssignment> byCluster = new LinkedHashMap<>();
    for (EndpointDump e : dump.getEndpointsList()) {
      byCluster.putIfAbsent(e.getEndpointConfig().getClusterName(), e.getEndpointConfig());
    }
    for (Cluster c : ConfigDumps.clusters(dump)) {
      if (c.hasLoadAssignment()) {
        byCluster.putIfAbsent(c.getName(), c.getLoadAssignment().toBuilder().setClusterName(c.getName()).build());
      }
    }
    List<Row> rows = new ArrayList<>();
    byCluster.forEach(
        (cluster, cla) -> {
          for (LocalityLbEndpoints lle : cla.getEndpointsList()) {
            for (LbEndpoint lb : lle.getLbEndpointsList()) {
              SocketAddress sa = lb.getEndpoint().getAddress().getSocketAddress();
              // Envoy counts UNKNOWN as healthy and shows it so.
              String status =
                  lb.getHealthStatus() == HealthStatus.UNKNOWN ? "HEALTHY" : lb.getHealthStatus().name();
              ObjectNode json = Json.MAPPER.createObjectNode();
              ObjectNode jsa = json.putObject("address").putObject("socket_address");
              jsa.put("address", sa.getAddress());
              jsa.put("port_value", sa.getPortValue());
              ObjectNode hs = json.putObject("health_status");
              hs.put("eds_health_status", status);
              hs.put("failed_outlier_check", false);
              json.put("weight", lb.getLoadBalancingWeight() == 0 ? 1 : lb.getLoadBalancingWeight());
              rows.add(new Row(sa.getAddress(), sa.getPortValue(), status, false, cluster, json));
            }
          }
        });
    return rows;
  }

  public static List<Row> select(List<Row> rows, Filter f) {
    return rows.stream()
        .filter(f::keeps)
        .sorted(Comparator.comparing(Row::cluster).thenComparing(Row::address).thenComparingInt(Row::port))
        .toList();
  }

  public static Table table(List<Row> rows, Filter f) {
    List<List<String>> out = new ArrayList<>();
    for (Row r : select(rows, f)) {
      out.add(List.of(r.endpoint(), r.status(), r.failedOutlier() ? "FAILED" : "OK", r.cluster()));
    }
    return new Table(List.of("ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER"), out);
  }

  /** The selected hosts in the proxy's own JSON shape, grouped by cluster. */
  public static JsonNode json(List<Row> rows, Filter f) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode statuses = root.putArray("cluster_statuses");
    Map<String, ArrayNode> hosts = new LinkedHashMap<>();
    for (Row r : select(rows, f)) {
      hosts
          .computeIfAbsent(
              r.cluster(),
              name -> {
                ObjectNode c = statuses.addObject();
                c.put("name", name);
                return c.putArray("host_statuses");
              })
          .add(r.json());
    }
    return root;
  }

  private EndpointView() {}
}
