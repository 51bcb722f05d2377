package io.minimesh.dataplane.upstream.health;

import java.util.function.Consumer;

/** Delivers the first result only, and cancels the probe's timeout when it does. */
final class ProbeCompletion {
  private final Consumer<ProbeResult> done;
  private Runnable cancelTimeout;
  private boolean completed;

  ProbeCompletion(Consumer<ProbeResult> done) {
    this.done = done;
  }

  void onComplete(Runnable cancelTimeout) {
    this.cancelTimeout = cancelTimeout;
  }

  boolean isCompleted() {
    return completed;
  }

  void complete(ProbeResult result) {
    if (completed) {
      return;
    }
    completed = true;
    if (cancelTimeout != null) {
      cancelTimeout.run();
    }
    done.accept(result);
  }
}
