package io.minimesh.pilot.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.minimesh.api.xds.v1.AccessLog;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.NetworkFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's MeshConfig access logging ({@code accessLogFile}, {@code accessLogEncoding},
 * {@code accessLogFormat}): when a file is set, every HTTP connection manager and tcp_proxy of every
 * proxy logs there. Read once at start ({@code pilot --mesh-config FILE}); other MeshConfig fields are
 * ignored.
 */
public record MeshAccessLog(String file, boolean json, String format) {
  /** Istio's default text format (proxy-config shows it on every sidecar). */
  static final String ISTIO_TEXT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
      + "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "
      + "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
      + "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" "
      + "\"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% "
      + "%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n";

  /** Istio's default JSON keys. */
  static final Map<String, String> ISTIO_JSON = jsonDefaults();

  public static final MeshAccessLog OFF = new MeshAccessLog("", false, "");

  private static volatile MeshAccessLog current = OFF;

  /** Sets the mesh-wide access log (pilot start-up; tests). */
  public static void configure(MeshAccessLog m) {
    current = m == null ? OFF : m;
  }

  static MeshAccessLog current() {
    return current;
  }

  /** Reads the access log fields of a MeshConfig YAML file (istiod's --meshConfig, the "mesh" key of the istio ConfigMap). */
  public static MeshAccessLog read(Path file) throws IOException {
    JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    if (n == null || n.isMissingNode() || n.isNull()) return OFF;
    if (!n.isObject()) throw new IOException(file + ": a MeshConfig must be a mapping");
    String enc = n.path("accessLogEncoding").asText("TEXT");
    if (!enc.equals("TEXT") && !enc.equals("JSON")) {
      throw new IOException(file + ": accessLogEncoding: must be TEXT or JSON, got \"" + enc + "\"");
    }
    return new MeshAccessLog(n.path("accessLogFile").asText(""), enc.equals("JSON"), n.path("accessLogFormat").asText(""));
  }

  boolean enabled() {
    return !file.isEmpty();
  }

  AccessLog toProto() {
    AccessLog.Builder a = AccessLog.newBuilder().setPath(file);
    if (json) {
      a.putAllJsonFormat(format.isEmpty() ? ISTIO_JSON : Map.of("message", format));
    } else {
      a.setFormat(format.isEmpty() ? ISTIO_TEXT : format.endsWith("\n") ? format : format + "\n");
    }
    return a.build();
  }

  /** The listeners with this access log added to each connection manager and tcp_proxy without one. */
  List<Listener> apply(List<Listener> listeners) {
    if (!enabled()) return listeners;
    AccessLog log = toProto();
    List<Listener> out = new ArrayList<>(listeners.size());
    for (Listener l : listeners) {
      Listener.Builder b = l.toBuilder();
      for (FilterChain.Builder fc : b.getFilterChainsBuilderList()) addTo(fc, log);
      if (b.hasDefaultFilterChain()) addTo(b.getDefaultFilterChainBuilder(), log);
      out.add(b.build());
    }
    return out;
  }

  private static void addTo(FilterChain.Builder fc, AccessLog log) {
    for (NetworkFilter.Builder f : fc.getFiltersBuilderList()) {
      if (f.hasHttpConnectionManager() && f.getHttpConnectionManager().getAccessLogCount() == 0) {
        f.getHttpConnectionManagerBuilder().addAccessLog(log);
      } else if (f.hasTcpProxy() && f.getTcpProxy().getAccessLogCount() == 0) {
        f.getTcpProxyBuilder().addAccessLog(log);
      }
    }
  }

  private static Map<String, String> jsonDefaults() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("start_time", "%START_TIME%");
    m.put("method", "%REQ(:METHOD)%");
    m.put("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%");
    m.put("protocol", "%PROTOCOL%");
    m.put("response_code", "%RESPONSE_CODE%");
    m.put("response_flags", "%RESPONSE_FLAGS%");
    m.put("response_code_details", "%RESPONSE_CODE_DETAILS%");
    m.put("bytes_received", "%BYTES_RECEIVED%");
    m.put("bytes_sent", "%BYTES_SENT%");
    m.put("duration", "%DURATION%");
    m.put("upstream_service_time", "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%");
    m.put("x_forwarded_for", "%REQ(X-FORWARDED-FOR)%");
    m.put("user_agent", "%REQ(USER-AGENT)%");
    m.put("request_id", "%REQ(X-REQUEST-ID)%");
    m.put("authority", "%REQ(:AUTHORITY)%");
    m.put("upstream_host", "%UPSTREAM_HOST%");
    m.put("upstream_cluster", "%UPSTREAM_CLUSTER%");
    m.put("downstream_local_address", "%DOWNSTREAM_LOCAL_ADDRESS%");
    m.put("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%");
    m.put("route_name", "%ROUTE_NAME%");
    return Map.copyOf(m);
  }
}
