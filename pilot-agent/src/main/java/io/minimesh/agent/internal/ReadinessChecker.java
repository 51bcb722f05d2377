package io.minimesh.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Decides readiness as Istio's agent does: the proxy process runs, it has accepted clusters (CDS)
 * and listeners (LDS) from pilot, and its own {@code /ready} says LIVE. xDS state comes from the
 * admin {@code /xds_status}; a proxy without it is read through the {@code /stats} counters.
 */
final class ReadinessChecker {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STATS_FILTER =
      "/stats?filter="
          + URLEncoder.encode(
              "^(cluster_manager\\.cds|listener_manager\\.lds)\\.update_(success|rejected)$",
              StandardCharsets.UTF_8);

  /** Counters and the last NACK text of one xDS type. */
  record TypeState(String type, long success, long rejected, String lastError) {}

  private final AdminClient admin;
  private final Supplier<ProxySupervisor.Status> proxy;

  ReadinessChecker(AdminClient admin, Supplier<ProxySupervisor.Status> proxy) {
    this.admin = admin;
    this.proxy = proxy;
  }

  Readiness check() {
    ProxySupervisor.Status status = proxy.get();
    if (status.stopping()) {
      // Fail readiness while draining so Kubernetes takes the pod out of its Services first.
      return Readiness.notReady(Readiness.SHUTTING_DOWN);
    }
    if (!status.running()) {
      return Readiness.notReady(Readiness.NOT_RUNNING);
    }
    TypeState cds;
    TypeState lds;
    try {
      AdminClient.Response r = admin.get("/xds_status");
      if (r.status() == 200) {
        JsonNode root = JSON.readTree(r.body());
        cds = fromXdsStatus(root, "CDS", "Cluster");
        lds = fromXdsStatus(root, "LDS", "Listener");
      } else {
        AdminClient.Response s = admin.get(STATS_FILTER);
        if (s.status() != 200) {
          return Readiness.notReady(
              Readiness.ADMIN_UNREACHABLE + ": /stats answered " + s.status());
        }
        cds = fromStats(s.body(), "CDS", "cluster_manager.cds.");
        lds = fromStats(s.body(), "LDS", "listener_manager.lds.");
      }
    } catch (IOException e) {
      return Readiness.notReady(Readiness.ADMIN_UNREACHABLE);
    }
    Readiness xds = decide(cds, lds);
    if (!xds.ready()) {
      return xds;
    }
    try {
      AdminClient.Response r = admin.get("/ready");
      if (r.status() == 503) {
        String state = r.body() == null ? "" : r.body().trim();
        return Readiness.notReady(Readiness.NOT_LIVE + (state.isEmpty() ? "UNKNOWN" : state));
      }
    } catch (IOException e) {
      return Readiness.notReady(Readiness.ADMIN_UNREACHABLE);
    }
    return Readiness.READY;
  }

  static Readiness decide(TypeState cds, TypeState lds) {
    if (cds.success() > 0 && lds.success() > 0) {
      return Readiness.READY;
    }
    if (cds.rejected() > 0 || lds.rejected() > 0) {
      List<String> errors = new ArrayList<>();
      for (TypeState t : List.of(cds, lds)) {
        if (t.rejected() > 0 && !t.lastError().isEmpty()) {
          errors.add(t.type() + ": " + t.lastError());
        }
      }
      String text =
          errors.isEmpty()
              ? "cds updates: " + cds.success() + " successful, " + cds.rejected() + " rejected; "
                  + "lds updates: " + lds.success() + " successful, " + lds.rejected() + " rejected"
              : String.join("; ", errors);
      return Readiness.notReady(Readiness.REJECTED + text);
    }
    return Readiness.notReady(Readiness.NOT_RECEIVED);
  }

  static TypeState fromXdsStatus(JsonNode root, String type, String typeUrlSuffix) {
    for (JsonNode t : root.path("types")) {
      String name = t.path("type").asText("");
      String url = t.path("type_url").asText("");
      if (name.equalsIgnoreCase(type) || (name.isEmpty() && url.endsWith("." + typeUrlSuffix))) {
        return new TypeState(
            type,
            t.path("update_success").asLong(0),
            t.path("update_rejected").asLong(0),
            t.path("last_error").asText(""));
      }
    }
    return new TypeState(type, 0, 0, "");
  }

  static TypeState fromStats(String body, String type, String prefix) {
    long success = 0;
    long rejected = 0;
    for (String line : body.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      try {
        if (name.equals(prefix + "update_success")) {
          success = Long.parseLong(value);
        } else if (name.equals(prefix + "update_rejected")) {
          rejected = Long.parseLong(value);
        }
      } catch (NumberFormatException ignored) {
        // Not a counter line.
      }
    }
    return new TypeState(type, success, rejected, "");
  }
}
