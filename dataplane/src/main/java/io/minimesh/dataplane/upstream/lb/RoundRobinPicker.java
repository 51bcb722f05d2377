package io.minimesh.dataplane.upstream.lb;

import java.util.random.RandomGenerator;

/**
 * Weighted round robin (Envoy ROUND_ROBIN). Equal weights: plain rotation from a random start.
 * Unequal weights: {@link EdfScheduler}, exact per cycle of Σweights picks, smoothly interleaved.
 */
final class RoundRobinPicker extends Picker {
  private final EdfScheduler edf;
  private int next;

  RoundRobinPicker(LbHost[] hosts, RandomGenerator random) {
    super(hosts, random);
    if (equalWeights(hosts)) {
      edf = null;
      next = random.nextInt(hosts.length);
    } else {
      int[] w = new int[hosts.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = weightOf(hosts[i]);
      }
      edf = new EdfScheduler(w, random);
    }
  }

  @Override
  LbHost pick(long hash) {
    if (edf != null) {
      return hosts[edf.next()];
    }
    LbHost h = hosts[next];
    if (++next == hosts.length) {
      next = 0;
    }
    return h;
  }

  @Override
  LbHost pickAvoiding(LbContext context, long hash) {
    // Keep advancing the schedule (as Envoy does on host re-selection), then fall back to a scan.
    int tries = Math.min(hosts.length, 16);
    for (int i = 0; i < tries; i++) {
      LbHost h = pick(hash);
      if (!context.shouldAvoid(h)) {
        return h;
      }
    }
    return scan(context, random.nextInt(hosts.length));
  }
}
