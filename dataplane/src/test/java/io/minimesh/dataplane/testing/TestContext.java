package io.minimesh.dataplane.testing;

import io.minimesh.dataplane.accesslog.AccessLogWriter;
import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.http.HcmConfig;
import io.minimesh.dataplane.http.ProxyContext;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.runtime.TimeSource;
import io.minimesh.dataplane.runtime.Transport;
import io.minimesh.dataplane.runtime.internal.Compiler;
import io.minimesh.dataplane.stats.StatsRegistry;
import io.minimesh.dataplane.upstream.UpstreamPools;
import io.netty.channel.EventLoop;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/** A ProxyContext over a compiled bootstrap, for EmbeddedChannel tests. */
public final class TestContext implements ProxyContext, AutoCloseable {
  public final StatsRegistry stats = new StatsRegistry();
  public final RuntimeState state;
  final AccessLogWriter log = new AccessLogWriter();
  /** The clock the proxy reads (rate limit refills); tests may replace it. */
  public volatile TimeSource time = TimeSource.SYSTEM;
  /** The random source for percentages; tests may replace it. */
  public volatile java.util.random.RandomGenerator random = new java.util.SplittableRandom(1);

  public TestContext(String yaml) throws Exception {
    Compiler c = new Compiler(stats, 1, new ConcurrentHashMap<>());
    state = c.compile(ConfigSnapshot.fromBootstrap(BootstrapLoader.fromString(yaml), Instant.EPOCH));
  }

  public HcmConfig hcm(String listener) {
    return state.listeners.get(listener).hcm();
  }

  @Override
  public RuntimeState state() {
    return state;
  }

  @Override
  public UpstreamPools pools(EventLoop loop) {
    return new UpstreamPools(loop, Transport.nio());
  }

  @Override
  public int loopIndex(EventLoop loop) {
    return 0;
  }

  @Override
  public AccessLogWriter accessLog() {
    return log;
  }

  @Override
  public TimeSource time() {
    return time;
  }

  @Override
  public java.util.random.RandomGenerator random() {
    return random;
  }

  @Override
  public boolean draining() {
    return false;
  }

  @Override
  public void close() {
    log.close();
  }
}
