package io.minimesh.dataplane.upstream.health;

/** Outcome of one health probe, with Envoy's distinction between failure kinds. */
public enum ProbeResult {
  HEALTHY,
  /** The host answered, wrongly (e.g. HTTP 503): unhealthy at once, like Envoy's ACTIVE failure. */
  ACTIVE_FAILURE,
  /** Connect refused, reset, closed before answering: counts toward unhealthy_threshold. */
  NETWORK_FAILURE,
  /** No answer within the timeout: counts toward unhealthy_threshold. */
  TIMEOUT
}
