package io.minimesh.dataplane.upstream.lb;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** Envoy RANDOM: uniform over hosts, or proportional to weight when weights differ. */
final class RandomPicker extends Picker {
  /** Cumulative weights, or null when all weights are equal. */
  private final long[] cumulative;

  RandomPicker(LbHost[] hosts, RandomGenerator random) {
    super(hosts, random);
    cumulative = equalWeights(hosts) ? null : cumulativeWeights(hosts);
  }

  static long[] cumulativeWeights(LbHost[] hosts) {
    long[] c = new long[hosts.length];
    long sum = 0;
    for (int i = 0; i < hosts.length; i++) {
      sum += weightOf(hosts[i]);
      c[i] = sum;
    }
    return c;
  }

  /** Index of a weighted-random entry of {@code cumulative}. */
  static int weightedIndex(long[] cumulative, RandomGenerator random) {
    long r = random.nextLong(cumulative[cumulative.length - 1]);
    int i = Arrays.binarySearch(cumulative, r);
    // First entry whose cumulative weight exceeds r.
    return i >= 0 ? i + 1 : -i - 1;
  }

  @Override
  LbHost pick(long hash) {
    return cumulative == null
        ? hosts[random.nextInt(hosts.length)]
        : hosts[weightedIndex(cumulative, random)];
  }
}
