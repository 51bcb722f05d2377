package io.minimesh.dataplane.xds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the xDS client knows about its control plane, per resource type: an immutable value the
 * admin {@code /xds_status} endpoint renders with {@link #toJson()}.
 *
 * @param address the control plane's "host:port"
 * @param connected whether a stream is up (a response arrived on it)
 */
public record XdsStatus(String address, boolean connected, List<TypeStatus> types) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public XdsStatus {
    types = List.copyOf(types);
  }

  /**
   * @param type CDS, LDS, RDS, EDS or SDS
   * @param version the last version applied (ACKed), "" before the first
   * @param lastError the text of the last NACK (or of a warming resource rejected on activation); "" when the last update was applied
   * @param lastUpdate when the last update was applied, null before the first
   * @param resources how many resources of this type the client holds (active and warming)
   * @param warming how many are held back waiting for their dependencies
   * @param subscribed resource names subscribed to; empty for a wildcard subscription
   */
  public record TypeStatus(
      String type,
      String typeUrl,
      String version,
      String nonce,
      long updateAttempt,
      long updateSuccess,
      long updateRejected,
      String lastError,
      Instant lastUpdate,
      int resources,
      int warming,
      List<String> subscribed) {
    public TypeStatus {
      subscribed = List.copyOf(subscribed);
    }
  }

  /** The type's status, or null. */
  public TypeStatus type(String shortName) {
    for (TypeStatus t : types) if (t.type().equals(shortName)) return t;
    return null;
  }

  /** The JSON of docs/design/contracts.md ({@code GET /xds_status}), with a few more keys per type. */
  public String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> cp = new LinkedHashMap<>();
    cp.put("address", address);
    cp.put("connected", connected);
    root.put("control_plane", cp);
    List<Object> list = new ArrayList<>();
    for (TypeStatus t : types) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", t.type());
      m.put("type_url", t.typeUrl());
      m.put("version", t.version());
      m.put("nonce", t.nonce());
      m.put("update_attempt", t.updateAttempt());
      m.put("update_success", t.updateSuccess());
      m.put("update_rejected", t.updateRejected());
      m.put("last_error", t.lastError());
      m.put("last_update", t.lastUpdate() == null ? "" : t.lastUpdate().toString());
      m.put("resources", t.resources());
      m.put("warming", t.warming());
      m.put("subscribed", t.subscribed());
      list.add(m);
    }
    root.put("types", list);
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
