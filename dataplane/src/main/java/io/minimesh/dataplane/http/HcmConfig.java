package io.minimesh.dataplane.http;

import io.minimesh.dataplane.accesslog.AccessLogFormat;
import io.minimesh.dataplane.filter.HttpFilter;
import io.minimesh.dataplane.route.RouteTable;
import io.minimesh.dataplane.stats.HttpStats;
import java.util.List;
import java.util.Set;

/** A compiled HTTP connection manager. Immutable. */
public record HcmConfig(
    String statPrefix,
    HttpStats stats,
    RouteTable inlineRoutes,
    String rdsName,
    List<HttpFilter> filters,
    List<AccessLogTarget> accessLogs,
    long requestHeadersTimeoutMs,
    long streamIdleTimeoutMs,
    long requestTimeoutMs,
    long idleTimeoutMs,
    int maxRequestHeadersBytes,
    long maxRequestBodyBytes,
    boolean generateRequestId,
    String serverName,
    Set<String> upgradeTypes,
    boolean http2Only,
    boolean http1Only,
    HcmPolicies policies) {

  /** Without connection-manager-wide fault or rate limit. */
  public HcmConfig(
      String statPrefix,
      HttpStats stats,
      RouteTable inlineRoutes,
      String rdsName,
      List<HttpFilter> filters,
      List<AccessLogTarget> accessLogs,
      long requestHeadersTimeoutMs,
      long streamIdleTimeoutMs,
      long requestTimeoutMs,
      long idleTimeoutMs,
      int maxRequestHeadersBytes,
      long maxRequestBodyBytes,
      boolean generateRequestId,
      String serverName,
      Set<String> upgradeTypes,
      boolean http2Only,
      boolean http1Only) {
    this(statPrefix, stats, inlineRoutes, rdsName, filters, accessLogs, requestHeadersTimeoutMs, streamIdleTimeoutMs,
        requestTimeoutMs, idleTimeoutMs, maxRequestHeadersBytes, maxRequestBodyBytes, generateRequestId, serverName,
        upgradeTypes, http2Only, http1Only, HcmPolicies.NONE);
  }

  /** Where and how one access log is written. */
  public record AccessLogTarget(String path, AccessLogFormat format) {}
}
