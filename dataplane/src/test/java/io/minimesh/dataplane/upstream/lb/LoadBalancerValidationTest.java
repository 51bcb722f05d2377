package io.minimesh.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.CommonLbConfig;
import io.minimesh.api.xds.v1.LeastRequestLbConfig;
import io.minimesh.api.xds.v1.Percent;
import io.minimesh.api.xds.v1.RingHashLbConfig;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LoadBalancerValidationTest {
  static Cluster.Builder cluster() {
    return Cluster.newBuilder().setName("web");
  }

  static void assertInvalid(Cluster c, String message) {
    assertThatThrownBy(() -> LoadBalancers.validate(c))
        .isInstanceOf(InvalidConfigException.class).hasMessage(message);
    assertThatThrownBy(() -> LoadBalancers.create(c, List.of(), null, new SplittableRandom()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void ringSizes() {
    assertInvalid(cluster().setLbPolicy(Cluster.LbPolicy.RING_HASH).setRingHashLbConfig(
            RingHashLbConfig.newBuilder().setMinimumRingSize(4096).setMaximumRingSize(1024))
            .build(),
        "Cluster \"web\": ring_hash_lb_config.minimum_ring_size: 4096 is greater than"
            + " maximum_ring_size 1024");
    assertInvalid(cluster().setRingHashLbConfig(
            RingHashLbConfig.newBuilder().setMaximumRingSize(16L << 20)).build(),
        "Cluster \"web\": ring_hash_lb_config.maximum_ring_size: 16777216 exceeds 8388608");
  }

  @Test
  void choiceCountAndPanicThreshold() {
    assertInvalid(cluster().setLeastRequestLbConfig(
            LeastRequestLbConfig.newBuilder().setChoiceCount(1)).build(),
        "Cluster \"web\": least_request_lb_config.choice_count: must be at least 2");
    assertInvalid(cluster().setCommonLbConfig(CommonLbConfig.newBuilder()
            .setHealthyPanicThreshold(Percent.newBuilder().setValue(120))).build(),
        "Cluster \"web\": common_lb_config.healthy_panic_threshold: 120.0 is not in [0, 100]");
    assertInvalid(cluster().setCommonLbConfig(CommonLbConfig.newBuilder()
            .putLocalityDistribute("us-west/*", 101)).build(),
        "Cluster \"web\": common_lb_config.locality_distribute[\"us-west/*\"]: 101 is not a"
            + " percentage");
  }

  @Test
  void defaultsAreValid() {
    for (Cluster.LbPolicy p : new Cluster.LbPolicy[] {Cluster.LbPolicy.ROUND_ROBIN,
        Cluster.LbPolicy.RANDOM, Cluster.LbPolicy.LEAST_REQUEST, Cluster.LbPolicy.RING_HASH,
        Cluster.LbPolicy.MAGLEV}) {
      assertThatCode(() -> LoadBalancers.validate(cluster().setLbPolicy(p).build()))
          .doesNotThrowAnyException();
    }
  }
}
