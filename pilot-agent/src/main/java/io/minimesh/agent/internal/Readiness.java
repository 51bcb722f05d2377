package io.minimesh.agent.internal;

/** The answer of {@code /healthz/ready}: ready, or why not (Istio's wording). */
record Readiness(boolean ready, String reason) {
  static final String NOT_RECEIVED = "config not received from XDS server (is pilot running?)";
  static final String REJECTED = "config received from XDS server, but was rejected: ";
  static final String NOT_RUNNING = "proxy is not running";
  static final String ADMIN_UNREACHABLE = "admin API not reachable";
  static final String SHUTTING_DOWN = "proxy is draining and shutting down";
  static final String NOT_LIVE = "server is not live, current state is: ";

  static final Readiness READY = new Readiness(true, "");

  static Readiness notReady(String reason) {
    return new Readiness(false, reason);
  }
}
