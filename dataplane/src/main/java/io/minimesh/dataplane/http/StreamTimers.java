package io.minimesh.dataplane.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines (route timeout, stream idle timeout, per-try timeout, request timeout) of the
 * streams of one downstream connection, served by one scheduled task on the connection's event
 * loop instead of a timer scheduled and cancelled per stream and per timeout.
 *
 * <p>The task is armed for the earliest deadline and re-armed lazily: a stream whose deadline is
 * later than the armed one (the usual case: every request gets the same route timeout) costs no
 * scheduling at all, and a finished stream cancels nothing. When the task runs, expired streams are
 * told so (in deadline order within a stream) and the task is armed for the next deadline, so
 * every timeout fires when it is due, as with one timer each. Time is the event loop's ticker, the
 * clock its scheduler uses (tests drive it).
 */
final class StreamTimers {
  static final long NONE = Long.MAX_VALUE;
  private static final AttributeKey<StreamTimers> KEY = AttributeKey.valueOf(StreamTimers.class, "timers");

  /** A stream with deadlines. */
  interface Timed {
    /** The earliest deadline (ticker nanos), or {@link #NONE}. */
    long deadline();

    /** Handles every deadline that is not after {@code now}. */
    void expire(long now);
  }

  private final EventExecutor loop;
  private final Set<Timed> members = Collections.newSetFromMap(new IdentityHashMap<>());
  private ScheduledFuture<?> task;
  private long armedFor = NONE;
  private boolean closed;
  /** Tasks scheduled so far (tests check that streams do not each schedule one). */
  int armed;

  StreamTimers(EventExecutor loop) {
    this.loop = loop;
  }

  /** The timers of connection {@code ch} (for an HTTP/2 stream channel, of its parent). */
  static StreamTimers of(Channel ch) {
    StreamTimers t = ch.attr(KEY).get();
    if (t == null) {
      StreamTimers created = new StreamTimers(ch.eventLoop());
      ch.attr(KEY).set(created);
      ch.closeFuture().addListener(f -> created.close());
      t = created;
    }
    return t;
  }

  long now() {
    return loop.ticker().nanoTime();
  }

  /** {@code t}'s deadline was set or moved earlier: make sure the task runs by then. */
  void update(Timed t) {
    long d = t.deadline();
    if (d == NONE || closed) return;
    members.add(t);
    if (d < armedFor) arm(d);
  }

  /** {@code t} has no deadlines any more (the stream ended). */
  void remove(Timed t) {
    members.remove(t);
  }

  private void arm(long deadline) {
    if (task != null) task.cancel(false); // rare: a deadline earlier than every other
    armedFor = deadline;
    armed++;
    task = loop.schedule(this::fire, Math.max(0, deadline - now()), TimeUnit.NANOSECONDS);
  }

  private void fire() {
    task = null;
    armedFor = NONE;
    if (closed) return;
    long now = now();
    for (Timed t : members.toArray(new Timed[0])) {
      if (t.deadline() <= now) t.expire(now);
    }
    long next = NONE;
    for (var it = members.iterator(); it.hasNext(); ) {
      long d = it.next().deadline();
      if (d == NONE) it.remove();
      else next = Math.min(next, d);
    }
    if (next != NONE) arm(next);
  }

  private void close() {
    closed = true;
    members.clear();
    if (task != null) task.cancel(false);
    task = null;
  }
}
