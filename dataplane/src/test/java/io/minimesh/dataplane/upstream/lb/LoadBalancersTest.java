package io.minimesh.dataplane.upstream.lb;

import static io.minimesh.dataplane.upstream.lb.TestHost.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.Cluster.LbPolicy;
import io.minimesh.api.xds.v1.CommonLbConfig;
import io.minimesh.api.xds.v1.LeastRequestLbConfig;
import io.minimesh.api.xds.v1.Locality;
import io.minimesh.api.xds.v1.MaglevLbConfig;
import io.minimesh.api.xds.v1.Percent;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LoadBalancersTest {
  private static final Locality LOCAL = Locality.getDefaultInstance();

  static Cluster cluster(LbPolicy policy) {
    return Cluster.newBuilder().setName("outbound|80||reviews").setLbPolicy(policy).build();
  }

  static LoadBalancer lb(Cluster cluster, List<TestHost> hosts, long seed) {
    return LoadBalancers.create(cluster, hosts, LOCAL, new SplittableRandom(seed));
  }

  static LoadBalancer lb(LbPolicy policy, List<TestHost> hosts) {
    return lb(cluster(policy), hosts, 42);
  }

  static Map<String, Integer> count(LoadBalancer lb, int picks) {
    return count(lb, picks, LbContext.NONE);
  }

  static Map<String, Integer> count(LoadBalancer lb, int picks, LbContext ctx) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < picks; i++) {
      LbHost h = lb.pick(ctx);
      counts.merge(h == null ? "null" : h.toString(), 1, Integer::sum);
    }
    return counts;
  }

  static LbContext hashed(long hash) {
    return LbContext.of(OptionalLong.of(hash), h -> false);
  }

  static List<TestHost> abc() {
    return List.of(host("a", 1), host("b", 2), host("c", 3));
  }

  static List<TestHost> weighted123() {
    return List.of(host("a", 1).weight(1), host("b", 2).weight(2), host("c", 3).weight(3));
  }

  @Nested
  class RoundRobin {
    @Test
    void equalWeightsVisitEveryHostOncePerCycle() {
      LoadBalancer lb = lb(LbPolicy.ROUND_ROBIN, abc());
      for (int cycle = 0; cycle < 100; cycle++) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
          seen.add(lb.pick(LbContext.NONE).toString());
        }
        assertThat(seen).containsExactlyInAnyOrder("a", "b", "c");
      }
    }

    @Test
    void weights123AreExactInEveryWindowOfSixPicks() {
      LoadBalancer lb = lb(LbPolicy.ROUND_ROBIN, weighted123());
      List<String> seq = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        seq.add(lb.pick(LbContext.NONE).toString());
      }
      for (int start = 0; start + 6 <= seq.size(); start++) {
        Map<String, Integer> window = new HashMap<>();
        seq.subList(start, start + 6).forEach(s -> window.merge(s, 1, Integer::sum));
        assertThat(window).containsEntry("a", 1).containsEntry("b", 2).containsEntry("c", 3);
      }
    }

    @Test
    void heavyHostIsInterleavedNotBursty() {
      List<TestHost> hosts =
          List.of(host("a", 1).weight(1), host("b", 2).weight(1), host("c", 3).weight(8));
      LoadBalancer lb = lb(LbPolicy.ROUND_ROBIN, hosts);
      int run = 0;
      int longest = 0;
      for (int i = 0; i < 1000; i++) {
        run = lb.pick(LbContext.NONE).toString().equals("c") ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      // 8 of every 10 picks go to c, but the two light hosts are spread between them.
      assertThat(longest).isLessThanOrEqualTo(5);
    }

    @Test
    void instancesStartAtRandomPointsSoEventLoopsDoNotSynchronise() {
      Set<String> firstPicks = new HashSet<>();
      Set<String> firstWeightedPicks = new HashSet<>();
      for (long seed = 0; seed < 30; seed++) {
        firstPicks.add(lb(cluster(LbPolicy.ROUND_ROBIN), abc(), seed).pick(LbContext.NONE)
            .toString());
        firstWeightedPicks.add(lb(cluster(LbPolicy.ROUND_ROBIN), weighted123(), seed)
            .pick(LbContext.NONE).toString());
      }
      assertThat(firstPicks).containsExactlyInAnyOrder("a", "b", "c");
      assertThat(firstWeightedPicks).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void largeWeightsStayExact() {
      List<TestHost> hosts = List.of(host("a", 1).weight(1_000_000), host("b", 2).weight(999_999),
          host("c", 3).weight(1));
      Map<String, Integer> counts = count(lb(LbPolicy.ROUND_ROBIN, hosts), 2_000_000);
      assertThat(counts).containsEntry("a", 1_000_000).containsEntry("b", 999_999)
          .containsEntry("c", 1);
    }
  }

  @Nested
  class Random {
    @Test
    void weights123WithinTolerance() {
      Map<String, Integer> counts = count(lb(LbPolicy.RANDOM, weighted123()), 60_000);
      assertThat(counts.get("a") / 60_000.0).isCloseTo(1 / 6.0, within(0.01));
      assertThat(counts.get("b") / 60_000.0).isCloseTo(2 / 6.0, within(0.01));
      assertThat(counts.get("c") / 60_000.0).isCloseTo(3 / 6.0, within(0.01));
    }

    @Test
    void equalWeightsUniform() {
      Map<String, Integer> counts = count(lb(LbPolicy.RANDOM, abc()), 30_000);
      assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(9_400, 10_600));
    }
  }

  @Nested
  class LeastRequest {
    @Test
    void powerOfTwoNeverPicksTheBusiestAndFavoursTheIdle() {
      List<TestHost> hosts = List.of(host("a", 1).active(5), host("b", 2).active(10),
          host("c", 3).active(0));
      Map<String, Integer> counts = count(lb(LbPolicy.LEAST_REQUEST, hosts), 9_000);
      assertThat(counts).doesNotContainKey("b");
      // c wins whenever sampled: 2 of the 3 possible pairs.
      assertThat(counts.get("c")).isBetween(5_700, 6_300);
    }

    @Test
    void choiceCountCoveringAllHostsAlwaysPicksTheIdleHost() {
      List<TestHost> hosts = List.of(host("a", 1).active(3), host("b", 2).active(1),
          host("c", 3).active(0));
      Cluster c = cluster(LbPolicy.LEAST_REQUEST).toBuilder()
          .setLeastRequestLbConfig(LeastRequestLbConfig.newBuilder().setChoiceCount(3)).build();
      assertThat(count(lb(c, hosts, 7), 1_000)).containsOnlyKeys("c");
    }

    @Test
    void followsLiveActiveRequestCounts() {
      List<TestHost> hosts = abc();
      Cluster c = cluster(LbPolicy.LEAST_REQUEST).toBuilder()
          .setLeastRequestLbConfig(LeastRequestLbConfig.newBuilder().setChoiceCount(3)).build();
      LoadBalancer lb = lb(c, hosts, 1);
      // Each pick starts a request that never finishes: the load must spread evenly.
      for (int i = 0; i < 300; i++) {
        ((TestHost) lb.pick(LbContext.NONE)).active++;
      }
      assertThat(hosts).allSatisfy(h -> assertThat(h.active).isEqualTo(100));
    }

    @Test
    void heavierHostMayCarryProportionallyMoreRequests() {
      // b has 3x the weight, so 2 in flight on b is less load than 1 on a.
      List<TestHost> hosts = List.of(host("a", 1).weight(1).active(1),
          host("b", 2).weight(3).active(2));
      Cluster c = cluster(LbPolicy.LEAST_REQUEST);
      assertThat(count(lb(c, hosts, 3), 100)).containsOnlyKeys("b");
    }
  }

  @Nested
  class RingHash {
    @Test
    void sameHashSameHostAcrossInstancesAndSpreadsKeys() {
      Map<String, Integer> counts = assertStickyAcrossInstances(LbPolicy.RING_HASH, 9_000);
      assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(2_400, 3_600));
    }

    @Test
    void removingAHostMovesOnlyItsKeys() {
      assertMinimalDisruption(cluster(LbPolicy.RING_HASH), 1.0);
    }

    @Test
    void weights123WithinTolerance() {
      assertHashedShares(lb(LbPolicy.RING_HASH, weighted123()), 0.04);
    }

    @Test
    void ringSizeFollowsConfig() {
      LbHost[] hosts = abc().toArray(new LbHost[0]);
      double[] w = {1, 1, 1};
      RingHashPicker small = new RingHashPicker(hosts, w, 1024, 8 << 20, new SplittableRandom());
      assertThat(small.size()).isBetween(1024, 2048);
      RingHashPicker capped = new RingHashPicker(hosts, w, 4096, 1000, new SplittableRandom());
      assertThat(capped.size()).isBetween(990, 1010);
    }

    @Test
    void requestsWithoutHashAreSpreadRandomly() {
      Map<String, Integer> counts = count(lb(LbPolicy.RING_HASH, abc()), 9_000);
      assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(2_000, 4_000));
    }
  }

  @Nested
  class Maglev {
    @Test
    void sameHashSameHostAcrossInstancesAndEvenSpread() {
      Map<String, Integer> counts = assertStickyAcrossInstances(LbPolicy.MAGLEV, 9_000);
      assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(2_700, 3_300));
    }

    @Test
    void removingAHostMovesFewOtherKeys() {
      assertMinimalDisruption(cluster(LbPolicy.MAGLEV), 0.9);
    }

    @Test
    void weights123WithinTolerance() {
      assertHashedShares(lb(LbPolicy.MAGLEV, weighted123()), 0.02);
    }

    @Test
    void tableSizeMustBePrime() {
      Cluster c = cluster(LbPolicy.MAGLEV).toBuilder()
          .setMaglevLbConfig(MaglevLbConfig.newBuilder().setTableSize(65536)).build();
      assertThatThrownBy(() -> LoadBalancers.validate(c))
          .isInstanceOf(InvalidConfigException.class)
          .hasMessage("Cluster \"outbound|80||reviews\": maglev_lb_config.table_size: 65536 must"
              + " be a prime number no greater than 5000011");
      Cluster ok = cluster(LbPolicy.MAGLEV).toBuilder()
          .setMaglevLbConfig(MaglevLbConfig.newBuilder().setTableSize(251)).build();
      assertThat(count(lb(ok, abc(), 1), 300)).containsOnlyKeys("a", "b", "c");
    }
  }

  /** Picks keys twice on one instance and once on another: always the same host. */
  static Map<String, Integer> assertStickyAcrossInstances(LbPolicy policy, int keyCount) {
    LoadBalancer one = lb(cluster(policy), abc(), 1);
    LoadBalancer two = lb(cluster(policy), abc(), 2);
    Map<String, Integer> counts = new HashMap<>();
    SplittableRandom keys = new SplittableRandom(9);
    for (int i = 0; i < keyCount; i++) {
      long key = keys.nextLong();
      LbHost h = one.pick(hashed(key));
      assertThat(one.pick(hashed(key))).isSameAs(h);
      assertThat(two.pick(hashed(key)).toString()).isEqualTo(h.toString());
      counts.merge(h.toString(), 1, Integer::sum);
    }
    return counts;
  }

  /** Random keys over hosts a, b, c weighted 1:2:3. */
  static void assertHashedShares(LoadBalancer lb, double tolerance) {
    Map<String, Integer> counts = new HashMap<>();
    SplittableRandom keys = new SplittableRandom(5);
    for (int i = 0; i < 60_000; i++) {
      counts.merge(lb.pick(hashed(keys.nextLong())).toString(), 1, Integer::sum);
    }
    assertThat(counts.get("a") / 60_000.0).isCloseTo(1 / 6.0, within(tolerance));
    assertThat(counts.get("b") / 60_000.0).isCloseTo(2 / 6.0, within(tolerance));
    assertThat(counts.get("c") / 60_000.0).isCloseTo(3 / 6.0, within(tolerance));
  }

  static void assertMinimalDisruption(Cluster cluster, double minStayShare) {
    List<TestHost> three = abc();
    LoadBalancer before = lb(cluster, three, 1);
    LoadBalancer after = lb(cluster, three.subList(0, 2), 2);
    int onSurvivors = 0;
    int stayed = 0;
    Map<String, Integer> movedFromC = new HashMap<>();
    SplittableRandom keys = new SplittableRandom(3);
    for (int i = 0; i < 30_000; i++) {
      long key = keys.nextLong();
      String was = before.pick(hashed(key)).toString();
      String now = after.pick(hashed(key)).toString();
      if (was.equals("c")) {
        movedFromC.merge(now, 1, Integer::sum);
      } else {
        onSurvivors++;
        if (now.equals(was)) {
          stayed++;
        }
      }
    }
    assertThat((double) stayed / onSurvivors).isGreaterThanOrEqualTo(minStayShare);
    // c's keys are shared by both survivors, not dumped on one.
    assertThat(movedFromC.keySet()).containsExactlyInAnyOrder("a", "b");
    assertThat(movedFromC.values()).allSatisfy(c -> assertThat(c).isGreaterThan(3_000));
  }

  @Nested
  class Priorities {
    List<TestHost> twoLevels() {
      return List.of(host("p0a", 1), host("p0b", 2), host("p0c", 3),
          host("p1a", 11).priority(1), host("p1b", 12).priority(1), host("p1c", 13).priority(1));
    }

    @Test
    void healthyPriorityZeroTakesAllTraffic() {
      Map<String, Integer> counts = count(lb(LbPolicy.ROUND_ROBIN, twoLevels()), 3_000);
      assertThat(counts).containsOnlyKeys("p0a", "p0b", "p0c");
    }

    @Test
    void degradedPriorityZeroSpillsByOverprovisioningFactor() {
      List<TestHost> hosts = twoLevels();
      hosts.get(0).healthy = false; // P0 2/3 healthy: health min(100, 1.4 × 66.7) = 93
      LoadBalancer lb = lb(LbPolicy.ROUND_ROBIN, hosts);
      assertThat(((PriorityLoadBalancer) lb).priorityLoad()).containsExactly(93, 7);
      Map<String, Integer> counts = count(lb, 100_000);
      assertThat(counts).doesNotContainKey("p0a");
      int p1 = counts.get("p1a") + counts.get("p1b") + counts.get("p1c");
      assertThat(p1 / 100_000.0).isCloseTo(0.07, within(0.005));
    }

    @Test
    void priorityZeroStaysWholeWhileAtLeast72PercentHealthy() {
      List<TestHost> hosts = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        hosts.add(host("p0-" + i, 100 + i).priority(0));
      }
      hosts.add(host("p1", 200).priority(1));
      for (int i = 0; i < 7; i++) {
        hosts.get(i).healthy = false; // 18/25 = 72 % healthy
      }
      PriorityLoadBalancer lb = (PriorityLoadBalancer) lb(LbPolicy.ROUND_ROBIN, hosts);
      assertThat(lb.priorityLoad()).containsExactly(100, 0);
      hosts.get(7).healthy = false; // 68 %
      lb = (PriorityLoadBalancer) lb(LbPolicy.ROUND_ROBIN, hosts);
      assertThat(lb.priorityLoad()).containsExactly(95, 5);
    }

    @Test
    void unhealthyPriorityZeroFailsOverCompletely() {
      List<TestHost> hosts = twoLevels();
      hosts.subList(0, 3).forEach(h -> h.healthy = false);
      Map<String, Integer> counts = count(lb(LbPolicy.RANDOM, hosts), 3_000);
      assertThat(counts).containsOnlyKeys("p1a", "p1b", "p1c");
    }

    @Test
    void hashPoliciesFailOverStickily() {
      List<TestHost> hosts = twoLevels();
      hosts.subList(0, 3).forEach(h -> h.healthy = false);
      LoadBalancer lb = lb(LbPolicy.RING_HASH, hosts);
      for (long key = 0; key < 200; key++) {
        LbHost h = lb.pick(hashed(key * 7919));
        assertThat(h.priority()).isEqualTo(1);
        assertThat(lb.pick(hashed(key * 7919))).isSameAs(h);
      }
    }
  }

  @Nested
  class Panic {
    @Test
    void belowThresholdUsesAllHosts() {
      List<TestHost> hosts = List.of(host("a", 1), host("b", 2).unhealthy(),
          host("c", 3).unhealthy());
      LoadBalancer lb = lb(LbPolicy.ROUND_ROBIN, hosts);
      assertThat(((PriorityLoadBalancer) lb).panic(0)).isTrue();
      assertThat(count(lb, 300)).containsEntry("a", 100).containsEntry("b", 100)
          .containsEntry("c", 100);
    }

    @Test
    void atOrAboveThresholdUsesOnlyHealthyHosts() {
      List<TestHost> hosts = List.of(host("a", 1), host("b", 2), host("c", 3).unhealthy());
      assertThat(count(lb(LbPolicy.ROUND_ROBIN, hosts), 300)).containsOnlyKeys("a", "b");
    }

    @Test
    void thresholdIsConfigurableAndZeroDisablesPanic() {
      List<TestHost> hosts = List.of(host("a", 1), host("b", 2).unhealthy(),
          host("c", 3).unhealthy());
      Cluster noPanic = cluster(LbPolicy.ROUND_ROBIN).toBuilder()
          .setCommonLbConfig(CommonLbConfig.newBuilder()
              .setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
          .build();
      assertThat(count(lb(noPanic, hosts, 1), 300)).containsOnlyKeys("a");
      Cluster high = cluster(LbPolicy.ROUND_ROBIN).toBuilder()
          .setCommonLbConfig(CommonLbConfig.newBuilder()
              .setHealthyPanicThreshold(Percent.newBuilder().setValue(80)))
          .build();
      List<TestHost> twoOfThree = List.of(host("a", 1), host("b", 2), host("c", 3).unhealthy());
      assertThat(count(lb(high, twoOfThree, 1), 300)).containsOnlyKeys("a", "b", "c");
    }

    @Test
    void noHealthyHostWithPanicDisabledGivesNoHost() {
      List<TestHost> hosts = List.of(host("a", 1).unhealthy(), host("b", 2).unhealthy());
      Cluster noPanic = cluster(LbPolicy.LEAST_REQUEST).toBuilder()
          .setCommonLbConfig(CommonLbConfig.newBuilder()
              .setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
          .build();
      assertThat(lb(noPanic, hosts, 1).pick(LbContext.NONE)).isNull();
      assertThat(lb(cluster(LbPolicy.RANDOM), List.of(), 1).pick(LbContext.NONE)).isNull();
    }

    @Test
    void allLevelsInPanicSplitLoadByHostCount() {
      List<TestHost> hosts = List.of(host("a", 1).unhealthy(), host("b", 2).unhealthy(),
          host("c", 3).priority(1).unhealthy());
      PriorityLoadBalancer lb = (PriorityLoadBalancer) lb(LbPolicy.ROUND_ROBIN, hosts);
      assertThat(lb.priorityLoad()).containsExactly(67, 33);
    }
  }

  @Nested
  class Localities {
    Cluster localityWeighted(LbPolicy policy) {
      return cluster(policy).toBuilder()
          .setCommonLbConfig(CommonLbConfig.newBuilder()
              .setLocalityWeightedLbConfig(CommonLbConfig.LocalityWeightedLbConfig.newBuilder()))
          .build();
    }

    @Test
    void configuredLocalityWeightsSplitTrafficExactly() {
      List<TestHost> hosts = List.of(
          host("z1", 1).locality("r", "z1", "").localityWeight(1),
          host("z2a", 2).locality("r", "z2", "").localityWeight(3),
          host("z2b", 3).locality("r", "z2", "").localityWeight(3));
      Map<String, Integer> counts = count(lb(localityWeighted(LbPolicy.ROUND_ROBIN), hosts, 4),
          4_000);
      assertThat(counts).containsEntry("z1", 1_000).containsEntry("z2a", 1_500)
          .containsEntry("z2b", 1_500);
    }

    @Test
    void unsetLocalityWeightIsTheSumOfHostWeights() {
      List<TestHost> hosts = List.of(
          host("z1", 1).locality("r", "z1", ""),
          host("z2", 2).locality("r", "z2", "").weight(3));
      Map<String, Integer> counts = count(lb(localityWeighted(LbPolicy.RANDOM), hosts, 4), 4_000);
      assertThat(counts).containsEntry("z1", 1_000).containsEntry("z2", 3_000);
    }

    @Test
    void withoutLocalityWeightingLocalitiesAreIgnored() {
      List<TestHost> hosts = List.of(
          host("z1", 1).locality("r", "z1", "").localityWeight(1),
          host("z2", 2).locality("r", "z2", "").localityWeight(9));
      assertThat(count(lb(LbPolicy.ROUND_ROBIN, hosts), 1_000)).containsEntry("z1", 500);
    }

    @Test
    void degradedLocalityShedsLoadToTheOthers() {
      // z1 has 1 of 4 hosts healthy: effective weight 1 × min(1, 1.4 × 1/4) = 0.35.
      List<TestHost> hosts = new ArrayList<>(List.of(
          host("z1a", 1).locality("r", "z1", "").localityWeight(1),
          host("z1b", 2).locality("r", "z1", "").localityWeight(1).unhealthy(),
          host("z1c", 3).locality("r", "z1", "").localityWeight(1).unhealthy(),
          host("z1d", 4).locality("r", "z1", "").localityWeight(1).unhealthy()));
      for (int i = 0; i < 8; i++) {
        hosts.add(host("z2-" + i, 10 + i).locality("r", "z2", "").localityWeight(1));
      }
      Map<String, Integer> counts = count(lb(localityWeighted(LbPolicy.ROUND_ROBIN), hosts, 2),
          13_500);
      assertThat(counts.get("z1a")).isEqualTo(3_500);
    }

    @Test
    void istioDistributeSendsPercentagesAndDropsUnlistedLocalities() {
      Cluster c = cluster(LbPolicy.ROUND_ROBIN).toBuilder()
          .setCommonLbConfig(CommonLbConfig.newBuilder()
              .putLocalityDistribute("us-west/zone1/*", 80)
              .putLocalityDistribute("us-west/zone2/*", 20))
          .build();
      List<TestHost> hosts = List.of(
          host("w1", 1).locality("us-west", "zone1", "a"),
          host("w2", 2).locality("us-west", "zone2", "b"),
          host("east", 3).locality("us-east", "zone3", "c"));
      Map<String, Integer> counts = count(lb(c, hosts, 8), 10_000);
      assertThat(counts).containsOnlyKeys("w1", "w2").containsEntry("w1", 8_000)
          .containsEntry("w2", 2_000);
    }

    @Test
    void distributeKeyMatchingSeveralLocalitiesSplitsItsShare() {
      Cluster c = cluster(LbPolicy.RANDOM).toBuilder()
          .setCommonLbConfig(CommonLbConfig.newBuilder()
              .putLocalityDistribute("us-west", 50)
              .putLocalityDistribute("us-east/zone3", 50))
          .build();
      List<TestHost> hosts = List.of(
          host("w1", 1).locality("us-west", "zone1", ""),
          host("w2", 2).locality("us-west", "zone2", ""),
          host("east", 3).locality("us-east", "zone3", ""));
      Map<String, Integer> counts = count(lb(c, hosts, 8), 10_000);
      assertThat(counts).containsEntry("w1", 2_500).containsEntry("w2", 2_500)
          .containsEntry("east", 5_000);
    }

    @Test
    void hashPolicyHonoursLocalityWeights() {
      List<TestHost> hosts = List.of(
          host("z1", 1).locality("r", "z1", "").localityWeight(1),
          host("z2", 2).locality("r", "z2", "").localityWeight(3));
      LoadBalancer lb = lb(localityWeighted(LbPolicy.MAGLEV), hosts, 1);
      Map<String, Integer> counts = new HashMap<>();
      SplittableRandom keys = new SplittableRandom(1);
      for (int i = 0; i < 40_000; i++) {
        counts.merge(lb.pick(hashed(keys.nextLong())).toString(), 1, Integer::sum);
      }
      assertThat(counts.get("z1") / 40_000.0).isCloseTo(0.25, within(0.02));
    }

    @Test
    void matchSpecificity() {
      Locality l = Locality.newBuilder().setRegion("r").setZone("z").setSubZone("s").build();
      assertThat(LoadBalancers.matchSpecificity("r/z/s", l)).isEqualTo(3);
      assertThat(LoadBalancers.matchSpecificity("r/z/*", l)).isEqualTo(2);
      assertThat(LoadBalancers.matchSpecificity("r", l)).isEqualTo(1);
      assertThat(LoadBalancers.matchSpecificity("*", l)).isEqualTo(0);
      assertThat(LoadBalancers.matchSpecificity("r/other", l)).isEqualTo(-1);
    }
  }

  @Nested
  class AvoidOnRetry {
    @Test
    void everyPolicyAvoidsTriedHostsWhenItCan() {
      for (LbPolicy policy : new LbPolicy[] {LbPolicy.ROUND_ROBIN, LbPolicy.RANDOM,
          LbPolicy.LEAST_REQUEST, LbPolicy.RING_HASH, LbPolicy.MAGLEV}) {
        LoadBalancer lb = lb(policy, abc());
        for (long key = 0; key < 100; key++) {
          LbHost first = lb.pick(hashed(key));
          LbContext retry = LbContext.of(OptionalLong.of(key), h -> h == first);
          assertThat(lb.pick(retry)).as(policy.name()).isNotSameAs(first).isNotNull();
          LbContext third = LbContext.of(OptionalLong.of(key), h -> !h.toString().equals("b"));
          assertThat(lb.pick(third).toString()).as(policy.name()).isEqualTo("b");
        }
      }
    }

    @Test
    void hashRetryGoesToTheSameAlternativeEachTime() {
      LoadBalancer lb = lb(LbPolicy.RING_HASH, abc());
      LbHost first = lb.pick(hashed(12345));
      LbContext retry = LbContext.of(OptionalLong.of(12345), h -> h == first);
      LbHost alternative = lb.pick(retry);
      for (int i = 0; i < 50; i++) {
        assertThat(lb.pick(retry)).isSameAs(alternative);
      }
    }

    @Test
    void retryMovesToLowerPriorityWhenAllPreferredHostsWereTried() {
      List<TestHost> hosts = List.of(host("p0", 1), host("p1", 2).priority(1));
      LoadBalancer lb = lb(LbPolicy.ROUND_ROBIN, hosts);
      LbContext retry = LbContext.of(OptionalLong.empty(), h -> h.toString().equals("p0"));
      assertThat(lb.pick(retry).toString()).isEqualTo("p1");
    }

    @Test
    void whenEveryHostWasTriedAHostIsStillReturned() {
      LoadBalancer lb = lb(LbPolicy.ROUND_ROBIN, abc());
      assertThat(lb.pick(LbContext.of(OptionalLong.empty(), h -> true))).isNotNull();
    }
  }
}
