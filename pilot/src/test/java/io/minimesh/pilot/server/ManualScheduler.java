package io.minimesh.pilot.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A scheduler whose time only moves when the test says so. */
final class ManualScheduler implements Scheduler {
  private record Task(long at, long seq, Runnable r) {}

  private long now = 1_000_000_000L;
  private long seq;
  private final List<Task> tasks = new ArrayList<>();

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void schedule(Runnable task, long delayNanos) {
    tasks.add(new Task(now + delayNanos, seq++, task));
  }

  /** Advances time, running due tasks in order (tasks they schedule run too if due). */
  void advanceMillis(long ms) {
    long target;
    synchronized (this) {
      target = now + ms * 1_000_000L;
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream().filter(t -> t.at <= target).min(Comparator.comparingLong(Task::at).thenComparingLong(Task::seq)).orElse(null);
        if (next == null) {
          now = target;
          return;
        }
        tasks.remove(next);
        now = Math.max(now, next.at);
      }
      next.r.run();
    }
  }
}
