package io.minimesh.dataplane.upstream.lb;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.CommonLbConfig;
import io.minimesh.api.xds.v1.Locality;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Builds the load balancer of a cluster for one host/health snapshot, with Envoy's semantics.
 *
 * <ul>
 *   <li>{@code lb_policy}: ROUND_ROBIN (exact weighted, smooth, random start), RANDOM (weighted),
 *       LEAST_REQUEST (power of {@code choice_count} choices, see {@link LeastRequestPicker}),
 *       RING_HASH ({@code ring_hash_lb_config}, see {@link RingHashPicker}), MAGLEV
 *       ({@code maglev_lb_config}). Hash policies pick randomly for requests without a hash.
 *   <li>Priorities with the overprovisioning factor and panic threshold
 *       ({@code common_lb_config.healthy_panic_threshold}, default 50 %), see
 *       {@link PriorityLoadBalancer}.
 *   <li>Locality weighting when {@code common_lb_config.locality_weighted_lb_config} is set (weight
 *       of a locality: {@link LbHost#localityWeight()}, else the sum of its host weights) or when
 *       {@code common_lb_config.locality_distribute} is non-empty (Istio's {@code distribute}:
 *       each locality takes the most specific matching key's percent, split over the localities
 *       that key matches in proportion to their weight, rounded up like Istio; localities no key
 *       matches receive nothing).
 *   <li>{@code zone_aware_lb_config}: Envoy balances by the local cluster's membership, which the
 *       proxy does not have. Minimesh instead keeps traffic in the proxy's own locality
 *       ({@code node.locality}) while it is healthy: inside each priority, hosts are ranked by how
 *       much of the proxy's locality they share (region, zone, sub-zone) and the ranks act as
 *       further priority levels, so the overprovisioning factor spills load to the next rank as
 *       hosts fail — the same order Istio's locality failover uses. Applies when the cluster has at
 *       least {@code min_cluster_size} hosts (default 6, as Envoy) and the proxy has a locality.
 * </ul>
 *
 * <p>Building is cheap enough to redo on every EDS or health change: O(n) for round robin, random
 * and least request (plus one picker per locality), O(R log R) for a ring of R points (default
 * ~1–3k), O(M log M) for a Maglev table of M slots (default 65537, ~1 ms). Tables are built for
 * the priority levels that receive load; others on first use (a retry failing over).
 */
public final class LoadBalancers {
  public static final int DEFAULT_OVERPROVISIONING_FACTOR = 140;
  public static final double DEFAULT_PANIC_THRESHOLD_PERCENT = 50.0;
  public static final long DEFAULT_MIN_RING_SIZE = 1024;
  public static final long DEFAULT_MAX_RING_SIZE = 8L * 1024 * 1024;
  public static final long MAX_RING_SIZE = 8L * 1024 * 1024;
  public static final int DEFAULT_MAGLEV_TABLE_SIZE = 65537;
  public static final int MAX_MAGLEV_TABLE_SIZE = 5000011;
  public static final int DEFAULT_CHOICE_COUNT = 2;

  private LoadBalancers() {}

  /**
   * The cluster's load balancer over {@code hosts}, using the cluster's own
   * {@code load_assignment.policy.overprovisioning_factor} (140 when unset). For EDS clusters use
   * {@link #create(Cluster, List, Locality, RandomGenerator, int)} with the factor of the
   * ClusterLoadAssignment.
   *
   * @param local this proxy's locality (informational for now; see the class comment)
   * @param random the owning event loop's generator; not shared across threads
   * @throws IllegalArgumentException when the cluster's LB config is invalid (see {@link #validate})
   */
  public static LoadBalancer create(Cluster cluster, List<? extends LbHost> hosts, Locality local,
      RandomGenerator random) {
    int factor = cluster.getLoadAssignment().getPolicy().getOverprovisioningFactor();
    return create(cluster, hosts, local, random, factor);
  }

  /**
   * As {@link #create(Cluster, List, Locality, RandomGenerator)} with an explicit overprovisioning
   * factor in percent (140 = 1.4; 0 means the default).
   */
  public static LoadBalancer create(Cluster cluster, List<? extends LbHost> hosts, Locality local,
      RandomGenerator random, int overprovisioningFactor) {
    Objects.requireNonNull(random, "random");
    String problem = problem(cluster);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    int factor = overprovisioningFactor > 0 ? overprovisioningFactor
        : DEFAULT_OVERPROVISIONING_FACTOR;
    CommonLbConfig common = cluster.getCommonLbConfig();
    double panic = common.hasHealthyPanicThreshold()
        ? Math.max(0, Math.min(100, common.getHealthyPanicThreshold().getValue()))
        : DEFAULT_PANIC_THRESHOLD_PERCENT;
    Map<String, Integer> distribute = common.getLocalityDistributeMap();
    boolean localityWeighted = !distribute.isEmpty() || common.hasLocalityWeightedLbConfig();
    Locality zoneLocal = zoneAware(cluster, hosts, local, localityWeighted) ? local : null;
    List<List<PriorityLoadBalancer.Group>> levels =
        levels(hosts, distribute, localityWeighted, zoneLocal);
    return new PriorityLoadBalancer(levels, factory(cluster, random), localityWeighted, factor,
        panic, random);
  }

  /**
   * Checks the cluster's load-balancing fields, for config validation before anything is applied.
   *
   * @throws InvalidConfigException naming the cluster and field
   */
  public static void validate(Cluster cluster) throws InvalidConfigException {
    String problem = problem(cluster);
    if (problem != null) {
      throw new InvalidConfigException(problem);
    }
  }

  private static String problem(Cluster c) {
    String where = "Cluster \"" + c.getName() + "\": ";
    if (c.getLbPolicy() == Cluster.LbPolicy.UNRECOGNIZED) {
      return where + "lb_policy: unsupported value " + c.getLbPolicyValue();
    }
    if (c.hasRingHashLbConfig()) {
      long min = c.getRingHashLbConfig().getMinimumRingSize();
      long max = c.getRingHashLbConfig().getMaximumRingSize();
      if (Long.compareUnsigned(min, MAX_RING_SIZE) > 0) {
        return where + "ring_hash_lb_config.minimum_ring_size: " + Long.toUnsignedString(min)
            + " exceeds " + MAX_RING_SIZE;
      }
      if (Long.compareUnsigned(max, MAX_RING_SIZE) > 0) {
        return where + "ring_hash_lb_config.maximum_ring_size: " + Long.toUnsignedString(max)
            + " exceeds " + MAX_RING_SIZE;
      }
      if (max != 0 && min > max) {
        return where + "ring_hash_lb_config.minimum_ring_size: " + min
            + " is greater than maximum_ring_size " + max;
      }
    }
    if (c.hasMaglevLbConfig() && c.getMaglevLbConfig().getTableSize() != 0) {
      long size = c.getMaglevLbConfig().getTableSize();
      if (Long.compareUnsigned(size, MAX_MAGLEV_TABLE_SIZE) > 0 || !isPrime(size)) {
        return where + "maglev_lb_config.table_size: " + Long.toUnsignedString(size)
            + " must be a prime number no greater than " + MAX_MAGLEV_TABLE_SIZE;
      }
    }
    if (c.hasLeastRequestLbConfig() && c.getLeastRequestLbConfig().getChoiceCount() == 1) {
      return where + "least_request_lb_config.choice_count: must be at least 2";
    }
    if (c.getCommonLbConfig().hasHealthyPanicThreshold()) {
      double p = c.getCommonLbConfig().getHealthyPanicThreshold().getValue();
      if (!(p >= 0 && p <= 100)) {
        return where + "common_lb_config.healthy_panic_threshold: " + p + " is not in [0, 100]";
      }
    }
    for (Map.Entry<String, Integer> e :
        c.getCommonLbConfig().getLocalityDistributeMap().entrySet()) {
      if (e.getValue() < 0 || e.getValue() > 100) {
        return where + "common_lb_config.locality_distribute[\"" + e.getKey() + "\"]: "
            + Integer.toUnsignedString(e.getValue()) + " is not a percentage";
      }
    }
    return null;
  }

  static boolean isPrime(long v) {
    if (v < 2) {
      return false;
    }
    for (long d = 2; d * d <= v; d++) {
      if (v % d == 0) {
        return false;
      }
    }
    return true;
  }

  private static PickerFactory factory(Cluster c, RandomGenerator random) {
    switch (c.getLbPolicy()) {
      case RANDOM:
        return simple((h, w) -> new RandomPicker(h, random));
      case LEAST_REQUEST: {
        int choices = c.getLeastRequestLbConfig().getChoiceCount();
        int count = choices == 0 ? DEFAULT_CHOICE_COUNT : choices;
        return simple((h, w) -> new LeastRequestPicker(h, count, random));
      }
      case RING_HASH: {
        long min = c.getRingHashLbConfig().getMinimumRingSize();
        long max = c.getRingHashLbConfig().getMaximumRingSize();
        long minSize = min == 0 ? DEFAULT_MIN_RING_SIZE : min;
        long maxSize = max == 0 ? DEFAULT_MAX_RING_SIZE : max;
        return hashed((h, w) -> new RingHashPicker(h, w, minSize, Math.max(minSize, maxSize),
            random));
      }
      case MAGLEV: {
        long size = c.getMaglevLbConfig().getTableSize();
        int tableSize = size == 0 ? DEFAULT_MAGLEV_TABLE_SIZE : (int) size;
        return hashed((h, w) -> new MaglevPicker(h, w, tableSize, random));
      }
      case ROUND_ROBIN:
      default:
        return simple((h, w) -> new RoundRobinPicker(h, random));
    }
  }

  private interface Builder {
    Picker build(LbHost[] hosts, double[] weights);
  }

  private static PickerFactory simple(Builder b) {
    return factoryOf(b, false);
  }

  private static PickerFactory hashed(Builder b) {
    return factoryOf(b, true);
  }

  private static PickerFactory factoryOf(Builder b, boolean hashBased) {
    return new PickerFactory() {
      @Override
      public Picker create(LbHost[] hosts, double[] weights) {
        return b.build(hosts, weights);
      }

      @Override
      public boolean hashBased() {
        return hashBased;
      }
    };
  }

  static final long DEFAULT_ZONE_AWARE_MIN_CLUSTER_SIZE = 6;

  private static boolean zoneAware(Cluster c, List<? extends LbHost> hosts, Locality local,
      boolean localityWeighted) {
    if (!c.getCommonLbConfig().hasZoneAwareLbConfig() || localityWeighted || local == null
        || local.equals(Locality.getDefaultInstance())) {
      return false;
    }
    var z = c.getCommonLbConfig().getZoneAwareLbConfig();
    long min = z.getMinClusterSize() == 0 ? DEFAULT_ZONE_AWARE_MIN_CLUSTER_SIZE : z.getMinClusterSize();
    if (z.hasRoutingEnabled() && z.getRoutingEnabled().getValue() <= 0) {
      return false;
    }
    return hosts.size() >= min;
  }

  /**
   * 0 when {@code loc} is the proxy's own region, zone and sub-zone; 1 for the same region and
   * zone; 2 for the same region; 3 otherwise.
   */
  static int localityRank(Locality loc, Locality local) {
    if (!loc.getRegion().equals(local.getRegion())) {
      return 3;
    }
    if (!loc.getZone().equals(local.getZone())) {
      return 2;
    }
    return loc.getSubZone().equals(local.getSubZone()) ? 0 : 1;
  }

  /**
   * Groups hosts by priority then locality, with each locality's weight. With {@code zoneLocal},
   * each priority is split further by {@link #localityRank}.
   */
  private static List<List<PriorityLoadBalancer.Group>> levels(List<? extends LbHost> hosts,
      Map<String, Integer> distribute, boolean localityWeighted, Locality zoneLocal) {
    TreeMap<Long, Map<Locality, List<LbHost>>> byPriority = new TreeMap<>();
    for (LbHost h : hosts) {
      Locality loc = h.locality() == null ? Locality.getDefaultInstance() : h.locality();
      long key = (long) Math.max(0, h.priority()) * 4
          + (zoneLocal == null ? 0 : localityRank(loc, zoneLocal));
      byPriority.computeIfAbsent(key, p -> new LinkedHashMap<>())
          .computeIfAbsent(loc, l -> new ArrayList<>()).add(h);
    }
    List<List<PriorityLoadBalancer.Group>> levels = new ArrayList<>();
    for (Map.Entry<Long, Map<Locality, List<LbHost>>> level : byPriority.entrySet()) {
      Map<Locality, Long> weights = new LinkedHashMap<>();
      if (!distribute.isEmpty()) {
        weights = distributeWeights(level.getValue(), distribute);
      } else if (localityWeighted) {
        for (Map.Entry<Locality, List<LbHost>> e : level.getValue().entrySet()) {
          weights.put(e.getKey(), configuredWeight(e.getValue(), true));
        }
      }
      List<PriorityLoadBalancer.Group> groups = new ArrayList<>();
      for (Map.Entry<Locality, List<LbHost>> e : level.getValue().entrySet()) {
        if (!distribute.isEmpty() && !weights.containsKey(e.getKey())) {
          continue; // Istio drops endpoints of localities no distribute key matches.
        }
        groups.add(new PriorityLoadBalancer.Group((int) (level.getKey() / 4), e.getKey(),
            Collections.unmodifiableList(e.getValue()), weights.getOrDefault(e.getKey(), 0L)));
      }
      if (!groups.isEmpty()) {
        levels.add(groups);
      }
    }
    return levels;
  }

  private static long configuredWeight(List<LbHost> hosts, boolean sumIfUnset) {
    int configured = hosts.get(0).localityWeight();
    if (configured > 0) {
      return configured;
    }
    if (!sumIfUnset) {
      return 1;
    }
    long sum = 0;
    for (LbHost h : hosts) {
      sum += Picker.weightOf(h);
    }
    return sum;
  }

  /** Istio's applyLocalityWeights for one priority level, with the most specific key winning. */
  private static Map<Locality, Long> distributeWeights(Map<Locality, List<LbHost>> localities,
      Map<String, Integer> distribute) {
    Map<String, List<Locality>> claimed = new LinkedHashMap<>();
    for (Locality loc : localities.keySet()) {
      String best = null;
      int bestSpecificity = -1;
      for (String key : distribute.keySet()) {
        int s = matchSpecificity(key, loc);
        if (s > bestSpecificity || (s == bestSpecificity && s >= 0 && key.compareTo(best) < 0)) {
          best = key;
          bestSpecificity = s;
        }
      }
      if (best != null && bestSpecificity >= 0) {
        claimed.computeIfAbsent(best, k -> new ArrayList<>()).add(loc);
      }
    }
    Map<Locality, Long> weights = new LinkedHashMap<>();
    for (Map.Entry<String, List<Locality>> e : claimed.entrySet()) {
      long percent = distribute.get(e.getKey());
      long total = 0;
      for (Locality loc : e.getValue()) {
        total += configuredWeight(localities.get(loc), false);
      }
      for (Locality loc : e.getValue()) {
        long original = configuredWeight(localities.get(loc), false);
        weights.put(loc, (original * percent + total - 1) / total);
      }
    }
    return weights;
  }

  /**
   * Istio's LocalityMatch of "region/zone/subzone" ("*" or a missing part matches anything): -1
   * when {@code key} does not match, else how many parts it pins down.
   */
  static int matchSpecificity(String key, Locality loc) {
    String[] parts = key.split("/", -1);
    if (parts.length > 3) {
      return -1;
    }
    String[] actual = {loc.getRegion(), loc.getZone(), loc.getSubZone()};
    int specific = 0;
    for (int i = 0; i < 3; i++) {
      String p = i < parts.length ? parts[i] : "";
      if (p.equals("*") || (p.isEmpty() && i > 0)) {
        continue;
      }
      if (!p.equals(actual[i])) {
        return -1;
      }
      specific++;
    }
    return specific;
  }
}
