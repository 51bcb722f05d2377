package io.minimesh.dataplane.upstream.lb;

/**
 * Picks a host for a request. Built for a fixed host list and health snapshot; the owner builds a
 * new one when membership, weights or health change. One instance per event loop, so
 * implementations need not be thread-safe (design rule: per-loop LB state).
 */
public interface LoadBalancer {
  /** The chosen host, or null when no host can serve (the router answers 503 "no healthy upstream"). */
  LbHost pick(LbContext context);
}
