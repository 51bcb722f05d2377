package io.minimesh.dataplane.http;

import io.minimesh.dataplane.accesslog.AccessLogWriter;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.runtime.TimeSource;
import io.minimesh.dataplane.upstream.UpstreamPools;
import io.netty.channel.EventLoop;

/** What the HTTP layer needs from the running proxy. */
public interface ProxyContext {
  /** The configuration in force now; a request captures it once. */
  RuntimeState state();

  /** The connection pools owned by {@code loop}. */
  UpstreamPools pools(EventLoop loop);

  /** A stable index of {@code loop} (per-loop load balancer slot). */
  int loopIndex(EventLoop loop);

  AccessLogWriter accessLog();

  TimeSource time();

  /** True while draining: responses ask HTTP/1.1 clients to close the connection. */
  boolean draining();

  /** Random source for fault and mirror percentages and retry jitter; tests inject a fixed one. */
  default java.util.random.RandomGenerator random() {
    return java.util.concurrent.ThreadLocalRandom.current();
  }
}
