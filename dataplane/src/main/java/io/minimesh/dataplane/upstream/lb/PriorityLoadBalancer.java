package io.minimesh.dataplane.upstream.lb;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The load balancer every policy shares (Envoy's LoadBalancerBase): chooses a priority level by the
 * levels' health, then a host of that level with the policy's {@link Picker}.
 *
 * <p>Priority load (Envoy semantics, overprovisioning factor F, 140 % by default): level i's health
 * is {@code min(100, F × healthy_i / hosts_i)}; levels get load in priority order, each
 * {@code health_i × 100 / min(100, Σ health)} of what is left, the rounding remainder going to the
 * first level with health. So priority 0 keeps 100 % while at least 72 % of it is healthy, and the
 * deficit spills to priority 1, 2, …
 *
 * <p>Panic: when the summed health is below 100, a level whose healthy share is below the panic
 * threshold (50 % by default, 0 disables) balances over all its hosts, healthy or not; when all
 * levels panic, load is split by host count. A level not in panic balances over its healthy hosts,
 * per locality when locality weighting is on.
 */
final class PriorityLoadBalancer implements LoadBalancer {
  /** Hosts of one priority and locality, with that locality's configured weight. */
  record Group(int priority, io.minimesh.api.xds.v1.Locality locality, List<LbHost> hosts, long weight) {}

  private static final class Level {
    final LbHost[] all;
    final LbHost[] healthy;
    final List<Group> groups;
    boolean panic;
    Picker picker;
    boolean built;

    Level(List<Group> groups) {
      this.groups = groups;
      List<LbHost> a = new ArrayList<>();
      List<LbHost> h = new ArrayList<>();
      for (Group g : groups) {
        for (LbHost host : g.hosts()) {
          a.add(host);
          if (host.healthy()) {
            h.add(host);
          }
        }
      }
      all = a.toArray(new LbHost[0]);
      healthy = h.toArray(new LbHost[0]);
    }
  }

  private final Level[] levels;
  private final int[] load;
  private final int[] cumulative;
  private final PickerFactory factory;
  private final boolean localityWeighted;
  private final int overprovisioningFactor;
  private final RandomGenerator random;

  /** {@code levels}: groups per priority level, highest priority first, each level non-empty. */
  PriorityLoadBalancer(List<List<Group>> levelGroups, PickerFactory factory,
      boolean localityWeighted, int overprovisioningFactor, double panicThreshold,
      RandomGenerator random) {
    this.factory = factory;
    this.localityWeighted = localityWeighted;
    this.overprovisioningFactor = overprovisioningFactor;
    this.random = random;
    int n = levelGroups.size();
    levels = new Level[n];
    for (int i = 0; i < n; i++) {
      levels[i] = new Level(levelGroups.get(i));
    }
    load = new int[n];
    cumulative = new int[n];
    if (n == 0) {
      return;
    }
    int[] health = new int[n];
    int totalHealth = 0;
    for (int i = 0; i < n; i++) {
      Level l = levels[i];
      health[i] = (int) Math.min(100L,
          (long) overprovisioningFactor * l.healthy.length / l.all.length);
      totalHealth += health[i];
    }
    int normalizedTotal = Math.min(100, totalHealth);
    if (normalizedTotal == 0) {
      load[0] = 100;
    } else {
      int left = 100;
      int firstHealthy = -1;
      for (int i = 0; i < n; i++) {
        load[i] = Math.min(left, health[i] * 100 / normalizedTotal);
        left -= load[i];
        if (firstHealthy < 0 && health[i] > 0) {
          firstHealthy = i;
        }
      }
      load[firstHealthy] += left;
    }
    if (panicThreshold > 0 || normalizedTotal > 0) {
      boolean allPanic = true;
      for (Level l : levels) {
        l.panic = normalizedTotal < 100 && 100.0 * l.healthy.length / l.all.length < panicThreshold;
        allPanic &= l.panic;
      }
      if (allPanic) {
        int hosts = 0;
        for (Level l : levels) {
          hosts += l.all.length;
        }
        int given = 0;
        for (int i = 0; i < n; i++) {
          load[i] = 100 * levels[i].all.length / hosts;
          given += load[i];
        }
        load[0] += 100 - given;
      }
    }
    int c = 0;
    for (int i = 0; i < n; i++) {
      c += load[i];
      cumulative[i] = c;
      if (load[i] > 0) {
        picker(levels[i]);
      }
    }
  }

  @Override
  public LbHost pick(LbContext context) {
    int n = levels.length;
    if (n == 0) {
      return null;
    }
    boolean hashBased = factory.hashBased();
    long hash = hashBased ? (context.hasHash() ? context.hash() : random.nextLong()) : 0L;
    int level = 0;
    if (n > 1) {
      // Hash policies choose the level by the hash too, so a key stays on one host.
      int v = hashBased ? (int) Long.remainderUnsigned(hash, 100) : random.nextInt(100);
      while (cumulative[level] <= v) {
        level++;
      }
    }
    Picker p = picker(levels[level]);
    if (p == null) {
      return null;
    }
    LbHost h = p.pick(hash);
    if (!context.shouldAvoid(h)) {
      return h;
    }
    LbHost alt = p.pickAvoiding(context, hash);
    if (alt != null) {
      return alt;
    }
    // Every host of the chosen level is avoided: try the other levels in priority order.
    for (int i = 0; i < n; i++) {
      Picker other = i == level ? null : picker(levels[i]);
      if (other != null && (alt = other.pickAvoiding(context, hash)) != null) {
        return alt;
      }
    }
    return h;
  }

  /** Percent of requests per priority level (for tests and admin views). */
  int[] priorityLoad() {
    return load.clone();
  }

  boolean panic(int level) {
    return levels[level].panic;
  }

  private Picker picker(Level l) {
    if (!l.built) {
      l.picker = buildPicker(l);
      l.built = true;
    }
    return l.picker;
  }

  private Picker buildPicker(Level l) {
    if (l.panic) {
      return l.all.length == 0 ? null : factory.create(l.all, hostWeights(l.all));
    }
    if (l.healthy.length == 0) {
      return null;
    }
    if (!localityWeighted) {
      return factory.create(l.healthy, hostWeights(l.healthy));
    }
    return factory.hashBased() ? localityScaledPicker(l) : localityPicker(l);
  }

  private static double[] hostWeights(LbHost[] hosts) {
    double[] w = new double[hosts.length];
    for (int i = 0; i < hosts.length; i++) {
      w[i] = Picker.weightOf(hosts[i]);
    }
    return w;
  }

  private static LbHost[] healthyOf(Group g) {
    return g.hosts().stream().filter(LbHost::healthy).toArray(LbHost[]::new);
  }

  /**
   * Hash policies build one table per level; like Envoy, each healthy host's share is its share of
   * its locality's healthy weight times the locality's share of the weights.
   */
  private Picker localityScaledPicker(Level l) {
    List<LbHost> hosts = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    double localityTotal = 0;
    for (Group g : l.groups) {
      if (g.weight() > 0 && healthyOf(g).length > 0) {
        localityTotal += g.weight();
      }
    }
    for (Group g : l.groups) {
      LbHost[] hs = healthyOf(g);
      if (g.weight() <= 0 || hs.length == 0) {
        continue;
      }
      double sum = 0;
      for (LbHost h : hs) {
        sum += Picker.weightOf(h);
      }
      for (LbHost h : hs) {
        hosts.add(h);
        weights.add(Picker.weightOf(h) / sum * (g.weight() / localityTotal));
      }
    }
    if (hosts.isEmpty()) {
      return null;
    }
    return factory.create(hosts.toArray(new LbHost[0]),
        weights.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * Envoy's effective locality weight: configured weight × min(1, F × healthy / hosts), so a
   * locality that loses hosts sheds load to the others before the priority level fails over.
   */
  private Picker localityPicker(Level l) {
    List<Picker> pickers = new ArrayList<>();
    List<Double> eff = new ArrayList<>();
    double max = 0;
    for (Group g : l.groups) {
      LbHost[] hs = healthyOf(g);
      if (g.weight() <= 0 || hs.length == 0) {
        continue;
      }
      double availability =
          Math.min(1.0, overprovisioningFactor / 100.0 * hs.length / g.hosts().size());
      double w = g.weight() * availability;
      pickers.add(factory.create(hs, hostWeights(hs)));
      eff.add(w);
      max = Math.max(max, w);
    }
    if (pickers.isEmpty()) {
      return null;
    }
    // The scheduler takes int weights: ×100 keeps the availability factor's precision for small
    // weights, large ones are scaled down (ratios keep ~9 digits).
    double scale = Math.min(100.0, (1 << 30) / max);
    int[] w = new int[eff.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = (int) Math.max(1, Math.round(eff.get(i) * scale));
    }
    return new LocalityPicker(l.healthy, pickers.toArray(new Picker[0]), w, random);
  }
}
