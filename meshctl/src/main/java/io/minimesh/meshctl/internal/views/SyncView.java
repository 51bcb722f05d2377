package io.minimesh.meshctl.internal.views;

import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.api.xds.v1.TypeSyncStatus;
import io.minimesh.meshctl.internal.output.Ages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** {@code proxy-status}: pilot's view of every proxy's xDS state, istioctl's layout. */
public final class SyncView {
  static final List<String> COLUMNS = List.of(TypeUrls.CLUSTER, TypeUrls.LISTENER, TypeUrls.ENDPOINT, TypeUrls.ROUTE);

  public static Table table(List<SyncStatus> statuses, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    for (SyncStatus s : statuses.stream().sorted(Comparator.comparing(SyncStatus::getProxyId)).toList()) {
      List<String> row = new ArrayList<>();
      row.add(s.getProxyId());
      for (String type : COLUMNS) {
        row.add(cell(find(s, type), now));
      }
      row.add(s.getPilotInstance());
      row.add(s.getNode().getVersion());
      rows.add(row);
    }
    return new Table(List.of("NAME", "CDS", "LDS", "EDS", "RDS", "PILOT", "VERSION"), rows);
  }

  private static TypeSyncStatus find(SyncStatus s, String typeUrl) {
    for (TypeSyncStatus t : s.getTypesList()) {
      if (t.getTypeUrl().equals(typeUrl) || TypeUrls.shortName(typeUrl).equals(t.getTypeUrl())) {
        return t;
      }
    }
    return null;
  }

  static String cell(TypeSyncStatus t, Instant now) {
    if (t == null || t.getStatus().isEmpty()) {
      return "NOT SENT";
    }
    return switch (t.getStatus()) {
      case "SYNCED" -> {
        if (!t.hasAckedTime()) {
          yield "SYNCED";
        }
        Instant acked = Instant.ofEpochSecond(t.getAckedTime().getSeconds(), t.getAckedTime().getNanos());
        yield "SYNCED (" + Ages.format(Duration.between(acked, now)) + ")";
      }
      case "ERROR" -> "ERROR: " + oneLine(t.getError());
      default -> t.getStatus();
    };
  }

  private static String oneLine(String s) {
    return s.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  private SyncView() {}
}
