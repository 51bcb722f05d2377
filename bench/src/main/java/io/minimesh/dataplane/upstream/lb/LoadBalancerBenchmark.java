package io.minimesh.dataplane.upstream.lb;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.HashPolicy;
import io.minimesh.api.xds.v1.Locality;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pick cost per policy and rebuild cost (what every EDS/health change pays). Lives in the bench module,
 * in the proxy's package so it can reach package-private types; run with {@code bin/bench jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoadBalancerBenchmark {
  @Param({"ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "RING_HASH", "MAGLEV"})
  public String policy;

  @Param({"3", "100", "1000"})
  public int hosts;

  private Cluster cluster;
  private List<LbHost> hostList;
  private LoadBalancer lb;
  private final SplittableRandom random = new SplittableRandom(1);
  private long key;
  private final List<HashPolicy> hashPolicies = List.of(HashPolicy.newBuilder()
      .setHeader(HashPolicy.Header.newBuilder().setHeaderName("x-user")).build());
  private final Map<String, String> headers = Map.of("x-user", "alice@example.com");

  record Host(InetSocketAddress address, int weight) implements LbHost {
    @Override
    public Locality locality() {
      return Locality.getDefaultInstance();
    }

    @Override
    public int priority() {
      return 0;
    }

    @Override
    public boolean healthy() {
      return true;
    }

    @Override
    public int activeRequests() {
      return 0;
    }
  }

  @Setup
  public void setup() {
    cluster = Cluster.newBuilder().setName("bench")
        .setLbPolicy(Cluster.LbPolicy.valueOf(policy)).build();
    hostList = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      hostList.add(new Host(new InetSocketAddress("10.1." + (i / 250) + "." + (i % 250), 8080),
          1 + i % 3));
    }
    lb = LoadBalancers.create(cluster, hostList, null, random);
  }

  @Benchmark
  public LbHost pickWithoutHash() {
    return lb.pick(LbContext.NONE);
  }

  @Benchmark
  public LbHost pickWithHash() {
    long k = key++;
    return lb.pick(new LbContext() {
      @Override
      public boolean hasHash() {
        return true;
      }

      @Override
      public long hash() {
        return k * 0x9E3779B97F4A7C15L;
      }
    });
  }

  @Benchmark
  public LoadBalancer rebuild() {
    return LoadBalancers.create(cluster, hostList, null, random);
  }

  @Benchmark
  public OptionalLong hashPolicy() {
    return HashPolicies.hash(hashPolicies, headers::get, "/reviews/1?x=1", null);
  }
}
