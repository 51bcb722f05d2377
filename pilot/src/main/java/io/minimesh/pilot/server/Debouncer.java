package io.minimesh.pilot.server;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Merges change events: fires once no event arrived for {@code quiet}, or {@code max} after the first
 * event of the batch, whichever comes first (Istio's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX). Merged
 * requests are full if any was. Thread-safe; the callback runs on the scheduler's thread.
 */
public final class Debouncer {
  /** A push request: full (config changed) or endpoints only; start = when its first event happened. */
  public record Request(boolean full, long startNanos) {
    Request merge(Request o) {
      return new Request(full || o.full, Math.min(startNanos, o.startNanos));
    }
  }

  private final long quiet;
  private final long max;
  private final Scheduler scheduler;
  private final Consumer<Request> onFire;
  private Request pending;
  private long lastEvent;
  private boolean timerArmed;

  public Debouncer(Duration quiet, Duration max, Scheduler scheduler, Consumer<Request> onFire) {
    this.quiet = quiet.toNanos();
    this.max = max.toNanos();
    this.scheduler = scheduler;
    this.onFire = onFire;
  }

  public void enqueue(boolean full) {
    long now = scheduler.nanoTime();
    synchronized (this) {
      Request r = new Request(full, now);
      pending = pending == null ? r : pending.merge(r);
      lastEvent = now;
      if (timerArmed) return;
      timerArmed = true;
    }
    scheduler.schedule(this::check, quiet);
  }

  private void check() {
    long now = scheduler.nanoTime();
    Request fire = null;
    long wait;
    synchronized (this) {
      if (pending == null) {
        timerArmed = false;
        return;
      }
      long quietLeft = lastEvent + quiet - now;
      long maxLeft = pending.startNanos() + max - now;
      if (quietLeft <= 0 || maxLeft <= 0) {
        fire = pending;
        pending = null;
        timerArmed = false;
        wait = 0;
      } else {
        wait = Math.min(quietLeft, maxLeft);
      }
    }
    if (fire != null) onFire.accept(fire);
    else scheduler.schedule(this::check, wait);
  }
}
