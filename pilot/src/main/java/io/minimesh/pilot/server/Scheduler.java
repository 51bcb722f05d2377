package io.minimesh.pilot.server;

/** Time source and timer, injected so tests drive time (design rule 7). */
public interface Scheduler {
  long nanoTime();

  void schedule(Runnable task, long delayNanos);

  /** Real time on the given timer. */
  static Scheduler of(java.util.concurrent.ScheduledExecutorService timer) {
    return new Scheduler() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void schedule(Runnable task, long delayNanos) {
        timer.schedule(task, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
      }
    };
  }
}
