package io.minimesh.agent.internal;

import java.time.Duration;

/**
 * A serializing executor with timers and a clock. Every task runs one at a time, so state touched
 * only from tasks needs no locks; tests substitute a scheduler whose time they drive.
 */
interface Scheduler {
  void execute(Runnable task);

  Cancellable schedule(Duration delay, Runnable task);

  long nanoTime();

  interface Cancellable {
    void cancel();
  }
}
