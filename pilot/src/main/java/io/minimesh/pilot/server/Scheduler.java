package io.minimesh.pilot.server;

/** Time source and timer, injected so tests drive time (design rule 7). */
public interface Scheduler {
  long nanoTime();

  void schedule(Runnable task, long delayNanos);
}
