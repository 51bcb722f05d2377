package io.minimesh.pilot.inject;

/** Whether a pod gets a proxy, and why (shown in logs and by {@code meshctl kube-inject}). */
public record Decision(boolean inject, String reason) {
  static Decision yes(String reason) {
    return new Decision(true, reason);
  }

  static Decision no(String reason) {
    return new Decision(false, reason);
  }
}
