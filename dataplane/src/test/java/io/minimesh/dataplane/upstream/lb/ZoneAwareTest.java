package io.minimesh.dataplane.upstream.lb;

import static io.minimesh.dataplane.upstream.lb.TestHost.host;
import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.CommonLbConfig;
import io.minimesh.api.xds.v1.Locality;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Zone-aware routing: traffic stays in the proxy's locality while it is healthy enough. */
class ZoneAwareTest {
  static final Locality LOCAL = Locality.newBuilder().setRegion("r1").setZone("z1").build();

  static Cluster zoneAware(long minClusterSize) {
    return Cluster.newBuilder().setName("c").setCommonLbConfig(CommonLbConfig.newBuilder()
        .setZoneAwareLbConfig(CommonLbConfig.ZoneAwareLbConfig.newBuilder().setMinClusterSize(minClusterSize)))
        .build();
  }

  static Map<String, Integer> count(LoadBalancer lb, int picks) {
    Map<String, Integer> m = new TreeMap<>();
    for (int i = 0; i < picks; i++) {
      m.merge(lb.pick(LbContext.NONE).toString(), 1, Integer::sum);
    }
    return m;
  }

  static List<TestHost> fourHosts() {
    return List.of(host("a1", 1).locality("r1", "z1", ""), host("a2", 2).locality("r1", "z1", ""),
        host("b1", 3).locality("r1", "z2", ""), host("b2", 4).locality("r1", "z2", ""));
  }

  @Test
  void allTrafficStaysInTheLocalZoneWhileItIsHealthy() {
    LoadBalancer lb = LoadBalancers.create(zoneAware(1), fourHosts(), LOCAL, new SplittableRandom(1));
    assertThat(count(lb, 1000)).containsOnlyKeys("a1", "a2");
  }

  @Test
  void halfTheLocalZoneDownSpillsTheOverprovisionedRemainder() {
    List<TestHost> hosts = fourHosts();
    hosts.get(0).unhealthy();
    PriorityLoadBalancer lb = (PriorityLoadBalancer) LoadBalancers.create(zoneAware(1), hosts, LOCAL,
        new SplittableRandom(1));
    // 1 of 2 healthy × 1.4 = 70 % stays local, 30 % goes to the other zone.
    assertThat(lb.priorityLoad()).containsExactly(70, 30);
  }

  @Test
  void theWholeLocalZoneDownMovesEverythingToTheOtherZone() {
    List<TestHost> hosts = fourHosts();
    hosts.get(0).unhealthy();
    hosts.get(1).unhealthy();
    LoadBalancer lb = LoadBalancers.create(zoneAware(1), hosts, LOCAL, new SplittableRandom(1));
    assertThat(count(lb, 1000)).containsOnlyKeys("b1", "b2");
  }

  @Test
  void otherRegionsComeAfterOtherZonesOfTheSameRegion() {
    List<TestHost> hosts = List.of(host("a", 1).locality("r1", "z1", "s1"), host("b", 2).locality("r1", "z1", "s2"),
        host("c", 3).locality("r1", "z2", ""), host("d", 4).locality("r2", "z1", ""));
    assertThat(LoadBalancers.localityRank(hosts.get(0).locality, Locality.newBuilder(LOCAL).setSubZone("s1").build()))
        .isZero();
    assertThat(LoadBalancers.localityRank(hosts.get(1).locality, Locality.newBuilder(LOCAL).setSubZone("s1").build()))
        .isEqualTo(1);
    assertThat(LoadBalancers.localityRank(hosts.get(2).locality, LOCAL)).isEqualTo(2);
    assertThat(LoadBalancers.localityRank(hosts.get(3).locality, LOCAL)).isEqualTo(3);
    hosts.get(0).unhealthy();
    hosts.get(1).unhealthy();
    LoadBalancer lb = LoadBalancers.create(zoneAware(1), hosts, LOCAL, new SplittableRandom(1));
    assertThat(count(lb, 500)).containsOnlyKeys("c");
  }

  @Test
  void priorityStillComesFirst() {
    List<TestHost> hosts = List.of(host("far", 1).locality("r2", "z9", ""),
        host("near", 2).locality("r1", "z1", "").priority(1));
    LoadBalancer lb = LoadBalancers.create(zoneAware(1), hosts, LOCAL, new SplittableRandom(1));
    assertThat(count(lb, 200)).containsOnlyKeys("far");
  }

  @Test
  void smallClustersAndClustersWithoutZoneAwareConfigSpreadOverAllZones() {
    // Envoy's default min_cluster_size is 6.
    LoadBalancer small = LoadBalancers.create(zoneAware(0), fourHosts(), LOCAL, new SplittableRandom(1));
    assertThat(count(small, 400)).hasSize(4);
    LoadBalancer plain = LoadBalancers.create(Cluster.newBuilder().setName("c").build(), fourHosts(), LOCAL,
        new SplittableRandom(1));
    assertThat(count(plain, 400)).hasSize(4);
  }
}
