package io.minimesh.dataplane.upstream.lb;

import java.util.random.RandomGenerator;

/**
 * Weighted round robin (Envoy ROUND_ROBIN). Equal weights: plain rotation from a random start.
 * Unequal weights: {@link EdfScheduler}, exact per cycle of Σweights picks, smoothly interleaved.
 * When one cycle has at most {@value #MAX_TABLE} picks, the cycle is computed once at build time
 * (O(W log n)) and a pick is an array read; longer cycles run the scheduler per pick (O(log n)).
 */
final class RoundRobinPicker extends Picker {
  static final int MAX_TABLE = 1 << 16;

  private final EdfScheduler edf;
  private final int[] table;
  private int next;

  RoundRobinPicker(LbHost[] hosts, RandomGenerator random) {
    super(hosts, random);
    if (equalWeights(hosts)) {
      edf = null;
      table = null;
      next = random.nextInt(hosts.length);
      return;
    }
    int[] w = new int[hosts.length];
    long cycle = 0;
    for (int i = 0; i < w.length; i++) {
      w[i] = weightOf(hosts[i]);
      cycle += w[i];
    }
    EdfScheduler scheduler = new EdfScheduler(w, random);
    if (cycle <= MAX_TABLE) {
      table = new int[(int) cycle];
      for (int i = 0; i < table.length; i++) {
        table[i] = scheduler.next();
      }
      edf = null;
    } else {
      table = null;
      edf = scheduler;
    }
  }

  @Override
  LbHost pick(long hash) {
    if (table != null) {
      int i = table[next];
      if (++next == table.length) {
        next = 0;
      }
      return hosts[i];
    }
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
