package io.minimesh.pilot.server;

import io.minimesh.pilot.config.ConfigSource;
import io.minimesh.pilot.config.MeshSnapshot;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.monitoring.PilotMetrics;
import io.minimesh.pilot.validation.ValidationMessage;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline: config source → debounce → validate and index (PushContext) → DiscoveryServer push.
 * Config changes give full pushes, endpoint-only changes EDS pushes (the server then sends only the
 * types, and for EDS only the assignments, whose generated content changed).
 */
public final class Pilot implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Pilot.class);

  private final ConfigSource source;
  private final DiscoveryServer server;
  private final PilotMetrics metrics;
  private final Scheduler scheduler;
  private final Debouncer debouncer;
  private volatile MeshSnapshot latest = MeshSnapshot.empty();
  private volatile boolean ready;
  private Set<String> lastMessages = Set.of();

  public Pilot(ConfigSource source, DiscoveryServer server, PilotMetrics metrics, Scheduler scheduler,
      Duration debounceAfter, Duration debounceMax) {
    this.source = source;
    this.server = server;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.debouncer = new Debouncer(debounceAfter, debounceMax, scheduler, this::fire);
  }

  public void start() throws Exception {
    source.start(snap -> {
      latest = snap;
      if (ready) debouncer.enqueue(false);
    });
    // The first snapshot is applied at once: proxies connecting now must not get an empty mesh.
    apply(new Debouncer.Request(true, scheduler.nanoTime()));
    ready = true;
  }

  public boolean ready() {
    return ready && source.synced();
  }

  private void fire(Debouncer.Request req) {
    metrics.debounce((scheduler.nanoTime() - req.startNanos()) / 1e9);
    apply(req);
  }

  private synchronized void apply(Debouncer.Request req) {
    PushContext prev = server.context();
    PushContext next;
    try {
      next = PushContext.build(latest, prev);
    } catch (RuntimeException e) {
      LOG.error("building the push context failed; keeping the previous config", e);
      return;
    }
    report(next.messages());
    metrics.invalidConfig(next.rejected());
    metrics.configMessages(next.messages().size());
    // Sources cannot always tell what changed (a file edit may touch anything): classify by content.
    boolean config = !next.configHash().equals(prev.configHash());
    boolean endpoints = !next.endpointHash().equals(prev.endpointHash());
    metrics.trigger(config ? "config" : endpoints ? "endpoint" : "noop");
    LOG.debug("push: config changed {}, endpoints changed {} (requested full: {})", config, endpoints, req.full());
    server.update(next, req.startNanos());
  }

  private void report(List<ValidationMessage> messages) {
    Set<String> now = new HashSet<>();
    for (ValidationMessage m : messages) {
      String s = m.toString();
      now.add(s);
      if (lastMessages.contains(s)) continue; // already logged
      if (m.level() == ValidationMessage.Level.Error) LOG.error("{}", s);
      else LOG.warn("{}", s);
    }
    lastMessages = now;
  }

  @Override
  public void close() {
    source.close();
  }
}
