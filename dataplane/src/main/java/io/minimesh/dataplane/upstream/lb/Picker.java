package io.minimesh.dataplane.upstream.lb;

import java.util.random.RandomGenerator;

/** Picks among one fixed, non-empty set of hosts (one priority level's healthy or all hosts). */
abstract class Picker {
  final LbHost[] hosts;
  final RandomGenerator random;

  Picker(LbHost[] hosts, RandomGenerator random) {
    this.hosts = hosts;
    this.random = random;
  }

  /**
   * The host for a request. {@code hash} is the request's hash, or a random value when it has none
   * (hash-based pickers use it, others ignore it).
   */
  abstract LbHost pick(long hash);

  /**
   * A host the context does not avoid, or null when every host of this set is avoided. Called only
   * after {@link #pick} returned an avoided host, so it may cost more.
   */
  LbHost pickAvoiding(LbContext context, long hash) {
    for (int attempt = 0; attempt < 3; attempt++) {
      LbHost h = pick(hash);
      if (!context.shouldAvoid(h)) {
        return h;
      }
    }
    return scan(context, random.nextInt(hosts.length));
  }

  final LbHost scan(LbContext context, int start) {
    int n = hosts.length;
    for (int i = 0; i < n; i++) {
      LbHost h = hosts[(start + i) % n];
      if (!context.shouldAvoid(h)) {
        return h;
      }
    }
    return null;
  }

  static boolean equalWeights(LbHost[] hosts) {
    for (int i = 1; i < hosts.length; i++) {
      if (hosts[i].weight() != hosts[0].weight()) {
        return false;
      }
    }
    return true;
  }

  static int weightOf(LbHost h) {
    return Math.max(1, h.weight());
  }
}
