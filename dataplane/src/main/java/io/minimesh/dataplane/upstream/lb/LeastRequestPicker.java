package io.minimesh.dataplane.upstream.lb;

import java.util.random.RandomGenerator;

/**
 * Envoy LEAST_REQUEST: sample {@code choice_count} (default 2) distinct hosts at random and take the
 * one with the fewest active requests ("power of two choices"). With {@code choice_count} at least
 * the number of hosts every host is compared (full scan).
 *
 * <p>Weights (where we differ from Envoy, deliberately): Envoy switches to a weighted round robin
 * whose weights are {@code weight / (active+1)^bias}, recomputed only when a host is re-scheduled.
 * We keep P2C and make both steps weight-aware instead: candidates are sampled proportionally to
 * weight, and compared by {@code (active+1) / weight}. An idle heavy host wins over an idle light
 * one, a host with twice the weight is allowed twice the in-flight requests, and the busiest
 * sampled host is never chosen over a less loaded one — the property least-request exists for.
 * Sampling is without replacement (Envoy samples with replacement), so with 2 choices the most
 * loaded host is never picked while another host has fewer requests.
 */
final class LeastRequestPicker extends Picker {
  private final int choiceCount;
  /** Cumulative weights, or null when all weights are equal. */
  private final long[] cumulative;
  private final int[] chosen;
  private final int[] sorted;

  LeastRequestPicker(LbHost[] hosts, int choiceCount, RandomGenerator random) {
    super(hosts, random);
    this.choiceCount = choiceCount;
    this.cumulative = equalWeights(hosts) ? null : RandomPicker.cumulativeWeights(hosts);
    this.chosen = new int[Math.min(choiceCount, hosts.length)];
    this.sorted = new int[chosen.length];
  }

  @Override
  LbHost pick(long hash) {
    int n = hosts.length;
    if (choiceCount >= n) {
      return leastLoaded(LbContext.NONE);
    }
    LbHost best = null;
    for (int c = 0; c < chosen.length; c++) {
      int idx = sampleDistinct(c);
      chosen[c] = idx;
      LbHost h = hosts[idx];
      if (best == null || lessLoaded(h, best)) {
        best = h;
      }
    }
    return best;
  }

  private int sampleDistinct(int already) {
    if (cumulative == null) {
      // Uniform without replacement: draw among the n - already unchosen indices and step over
      // the chosen ones (kept sorted), so no redraws are needed.
      int r = random.nextInt(hosts.length - already);
      int pos = 0;
      while (pos < already && sorted[pos] <= r) {
        r++;
        pos++;
      }
      System.arraycopy(sorted, pos, sorted, pos + 1, already - pos);
      sorted[pos] = r;
      return r;
    }
    int idx = 0;
    // Weighted: redraw repeats a bounded number of times (a rare repeat only wastes a choice).
    for (int attempt = 0; attempt < 16; attempt++) {
      idx = RandomPicker.weightedIndex(cumulative, random);
      if (!contains(already, idx)) {
        return idx;
      }
    }
    return idx;
  }

  private boolean contains(int count, int idx) {
    for (int i = 0; i < count; i++) {
      if (chosen[i] == idx) {
        return true;
      }
    }
    return false;
  }

  /** Full scan (from a random start, so ties rotate), skipping avoided hosts. */
  private LbHost leastLoaded(LbContext context) {
    int n = hosts.length;
    int start = random.nextInt(n);
    LbHost best = null;
    for (int i = 0; i < n; i++) {
      LbHost h = hosts[(start + i) % n];
      if (context.shouldAvoid(h)) {
        continue;
      }
      if (best == null || lessLoaded(h, best)) {
        best = h;
      }
    }
    return best;
  }

  static boolean lessLoaded(LbHost a, LbHost b) {
    return (a.activeRequests() + 1L) * weightOf(b) < (b.activeRequests() + 1L) * weightOf(a);
  }

  @Override
  LbHost pickAvoiding(LbContext context, long hash) {
    return leastLoaded(context);
  }
}
