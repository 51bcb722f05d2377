package io.minimesh.dataplane.upstream.lb;

import java.util.random.RandomGenerator;

/**
 * Exact weighted round robin by earliest deadline first. Entry {@code i} with weight {@code w} is
 * due at times {@code c + (k + δ_i)/w} (k = 0..w-1 within cycle c) and picks happen in deadline
 * order. The pick sequence is periodic with period {@code W = Σw}, so ANY window of W consecutive
 * picks contains entry i exactly w times.
 *
 * <p>Smoothness: plain EDF (Envoy's, deadlines k/w) lines every light entry up at the end of the
 * cycle, so weights 8:1:1 give eight picks of the heavy host in a row. Here each entry's events are
 * shifted by its own phase {@code δ_i = (2·rank_i + 1) / 2n}, which spreads the light entries
 * through the cycle (8:1:1 → runs of at most 4–5).
 *
 * <p>Deadlines are compared as exact 128-bit cross products, never as doubles, so the schedule
 * never drifts. The ranks are rotated by a random offset and the schedule starts at a random point
 * of its period: event loops (or proxies) with the same hosts do not move in lockstep.
 *
 * <p>Cost: O(n) to build, O(log n) per pick, no allocation per pick.
 */
final class EdfScheduler {
  private final int[] weight;
  private final long[] cycle;
  private final int[] done;
  private final long[] phase; // δ_i × 2n, odd, in (0, 2n)
  private final int[] rank;
  private final int[] heap;
  private final int n;
  private final long twoN;

  EdfScheduler(int[] weights, RandomGenerator random) {
    n = weights.length;
    if (n == 0) {
      throw new IllegalArgumentException("no entries");
    }
    twoN = 2L * n;
    weight = weights.clone();
    cycle = new long[n];
    done = new int[n];
    phase = new long[n];
    rank = new int[n];
    heap = new int[n];
    int start = random.nextInt(n);
    double now = random.nextDouble();
    for (int i = 0; i < n; i++) {
      if (weight[i] < 1) {
        throw new IllegalArgumentException("weight " + weight[i] + " < 1");
      }
      rank[i] = Math.floorMod(i - start, n);
      phase[i] = 2L * rank[i] + 1;
      // The state at time `now` of cycle 0: events with (k + δ)/w <= now have been picked.
      long picked = (long) Math.floor(now * weight[i] - (double) phase[i] / twoN) + 1;
      picked = Math.max(0, Math.min(weight[i], picked));
      if (picked == weight[i]) {
        cycle[i] = 1;
        picked = 0;
      }
      done[i] = (int) picked;
      heap[i] = i;
    }
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(i);
    }
  }

  /** Index of the next entry. */
  int next() {
    int top = heap[0];
    if (++done[top] == weight[top]) {
      done[top] = 0;
      cycle[top]++;
    }
    siftDown(0);
    return top;
  }

  private boolean before(int a, int b) {
    if (cycle[a] != cycle[b]) {
      return cycle[a] < cycle[b];
    }
    // (k_a + δ_a)/w_a < (k_b + δ_b)/w_b, both sides scaled by 2n (numerators < 2^63).
    long na = done[a] * twoN + phase[a];
    long nb = done[b] * twoN + phase[b];
    int c = compareProducts(na, weight[b], nb, weight[a]);
    if (c != 0) {
      return c < 0;
    }
    return rank[a] < rank[b];
  }

  /** Compares x1·y1 with x2·y2 for non-negative operands, exactly (128-bit). */
  static int compareProducts(long x1, long y1, long x2, long y2) {
    long hi1 = Math.multiplyHigh(x1, y1);
    long hi2 = Math.multiplyHigh(x2, y2);
    if (hi1 != hi2) {
      return Long.compare(hi1, hi2);
    }
    return Long.compareUnsigned(x1 * y1, x2 * y2);
  }

  private void siftDown(int i) {
    int item = heap[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && before(heap[child + 1], heap[child])) {
        child++;
      }
      if (!before(heap[child], item)) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  }
}
