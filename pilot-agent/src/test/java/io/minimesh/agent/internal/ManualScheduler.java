package io.minimesh.agent.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** A {@link Scheduler} whose time only moves when the test calls {@link #advance}. */
final class ManualScheduler implements Scheduler {
  private static final class Timer {
    final long due;
    final long seq;
    final Runnable task;
    boolean cancelled;

    Timer(long due, long seq, Runnable task) {
      this.due = due;
      this.seq = seq;
      this.task = task;
    }
  }

  private final PriorityQueue<Timer> timers =
      new PriorityQueue<>(Comparator.<Timer>comparingLong(t -> t.due).thenComparingLong(t -> t.seq));
  private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
  private long now = 1_000_000_000L;
  private long seq;
  private boolean running;

  @Override
  public synchronized void execute(Runnable task) {
    ready.add(task);
    drain();
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    Timer t = new Timer(now + delay.toNanos(), seq++, task);
    timers.add(t);
    return () -> {
      synchronized (ManualScheduler.this) {
        t.cancelled = true;
        timers.remove(t);
      }
    };
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  /** Moves time forward, running every timer that falls due on the way. */
  synchronized void advance(Duration d) {
    long target = now + d.toNanos();
    while (!timers.isEmpty() && timers.peek().due <= target) {
      Timer t = timers.poll();
      now = Math.max(now, t.due);
      if (!t.cancelled) {
        ready.add(t.task);
        drain();
      }
    }
    now = target;
  }

  /** Delays from now of the timers still pending, soonest first. */
  synchronized List<Duration> pendingDelays() {
    List<Timer> sorted = new ArrayList<>(timers);
    sorted.sort(timers.comparator());
    List<Duration> out = new ArrayList<>();
    for (Timer t : sorted) {
      out.add(Duration.ofNanos(t.due - now));
    }
    return out;
  }

  // Tasks submitted from inside a task run after it, never nested: the serializing contract.
  private void drain() {
    if (running) {
      return;
    }
    running = true;
    try {
      Runnable r;
      while ((r = ready.poll()) != null) {
        r.run();
      }
    } finally {
      running = false;
    }
  }
}
