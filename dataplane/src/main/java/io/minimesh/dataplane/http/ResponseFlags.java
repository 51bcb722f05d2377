package io.minimesh.dataplane.http;

/** Envoy's response flags, as they appear in access logs. */
public final class ResponseFlags {
  public static final String NO_HEALTHY_UPSTREAM = "UH";
  public static final String UPSTREAM_CONNECTION_FAILURE = "UF";
  public static final String UPSTREAM_OVERFLOW = "UO";
  public static final String NO_ROUTE = "NR";
  public static final String UPSTREAM_RETRY_LIMIT_EXCEEDED = "URX";
  public static final String UPSTREAM_REQUEST_TIMEOUT = "UT";
  public static final String DOWNSTREAM_CONNECTION_TERMINATION = "DC";
  public static final String LOCAL_RESET = "LR";
  public static final String UPSTREAM_CONNECTION_TERMINATION = "UC";
  public static final String UPSTREAM_REMOTE_RESET = "UR";
  public static final String NO_CLUSTER_FOUND = "NC";
  public static final String DOWNSTREAM_PROTOCOL_ERROR = "DPE";
  public static final String STREAM_IDLE_TIMEOUT = "SI";
  public static final String FAULT_INJECTED = "FI";
  public static final String DELAY_INJECTED = "DI";
  public static final String RATE_LIMITED = "RL";

  private ResponseFlags() {}
}
