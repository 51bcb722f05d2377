package io.minimesh.dataplane.upstream;

import io.minimesh.api.xds.v1.HealthCheck;
import io.minimesh.dataplane.upstream.health.NettyProber;
import io.minimesh.dataplane.upstream.health.Prober;
import io.minimesh.dataplane.upstream.health.Scheduler;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/** A cluster's health checks on one of the proxy's event loops, with real probes. */
public final class ProxyHealthEnvironment implements ClusterHealth.Environment {
  private final EventLoop loop;
  private final Class<? extends Channel> channelClass;
  private final LongSupplier nanoClock;
  private final RandomGenerator random = new SplittableRandom();

  public ProxyHealthEnvironment(EventLoop loop, Class<? extends Channel> channelClass, LongSupplier nanoClock) {
    this.loop = loop;
    this.channelClass = channelClass;
    this.nanoClock = nanoClock;
  }

  @Override
  public Executor executor() {
    return loop;
  }

  @Override
  public Scheduler scheduler() {
    return Scheduler.of(loop);
  }

  @Override
  public LongSupplier nanoClock() {
    return nanoClock;
  }

  @Override
  public RandomGenerator random() {
    return random;
  }

  @Override
  public Prober prober(HealthCheck config, String clusterName) {
    return NettyProber.create(config, clusterName, loop, channelClass);
  }

  /**
   * After a config swap: start or update the checks of every applied cluster and stop those of
   * clusters that went away. {@code envFor} gives a new cluster its environment.
   */
  public static void activate(Map<String, ClusterRuntime> before, Map<String, ClusterRuntime> after,
      java.util.function.Supplier<ClusterHealth.Environment> envFor) {
    for (ClusterRuntime c : after.values()) {
      c.activate(envFor.get());
    }
    for (Map.Entry<String, ClusterRuntime> e : before.entrySet()) {
      if (!after.containsKey(e.getKey())) e.getValue().deactivate();
    }
  }
}
