package io.minimesh.dataplane.admin;

import java.time.Instant;
import java.util.List;

/**
 * Where {@code GET /xds_status} gets its data: the proxy's xDS client implements this and
 * registers it with {@code ProxyRuntime.setXdsStatusSource}. Without one the endpoint reports
 * "not configured".
 */
public interface XdsStatusSource {
  /** The current status; called on the admin thread, so it must be cheap and thread-safe. */
  Status status();

  /** Control plane connection and per-type state. */
  record Status(String address, boolean connected, List<TypeStatus> types) {
    public Status {
      types = List.copyOf(types);
    }
  }

  /** One resource type (CDS, EDS, LDS, RDS, SDS). lastUpdate may be null. */
  record TypeStatus(
      String type,
      String typeUrl,
      String version,
      long updateSuccess,
      long updateRejected,
      String lastError,
      Instant lastUpdate) {}

  XdsStatusSource NOT_CONFIGURED = () -> null;
}
