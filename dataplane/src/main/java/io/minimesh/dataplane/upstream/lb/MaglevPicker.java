package io.minimesh.dataplane.upstream.lb;

import java.util.random.RandomGenerator;

/**
 * Envoy MAGLEV (Google's Maglev consistent hashing, with Envoy's weighted table fill). Each host
 * walks its own permutation of the table slots ({@code offset + j·skip mod M}, offset and skip from
 * xxHash64 of its hash key with seeds 0 and 1) and claims the next free slot, heavier hosts more
 * often; a request takes slot {@code hash mod M}. Same hash ⇒ same host; when a host leaves, most
 * slots of the others keep their owner (Maglev trades a little disruption for an even spread).
 *
 * <p>Cost: build O(M log M) time and 4·M bytes for a table of M slots (65537 by default:
 * about a millisecond), pick O(1), no allocation.
 */
final class MaglevPicker extends Picker {
  private final int[] table;

  MaglevPicker(LbHost[] hosts, double[] weights, int tableSize, RandomGenerator random) {
    super(hosts, random);
    int n = hosts.length;
    // pos[i] walks host i's permutation offset, offset+skip, offset+2·skip, … (mod M), stepped by
    // addition instead of a multiply and modulo per probe.
    int[] pos = new int[n];
    int[] skip = new int[n];
    double[] target = new double[n];
    double max = 0;
    for (double w : weights) {
      max = Math.max(max, w);
    }
    double[] norm = new double[n];
    for (int i = 0; i < n; i++) {
      String key = hosts[i].hashKey();
      pos[i] = (int) Long.remainderUnsigned(XxHash64.hash(key, 0), tableSize);
      skip[i] = (int) Long.remainderUnsigned(XxHash64.hash(key, 1), tableSize - 1) + 1;
      norm[i] = weights[i] / max;
    }
    table = new int[tableSize];
    java.util.Arrays.fill(table, -1);
    int filled = 0;
    // Host i claims a slot in iteration t when t·w_i has caught up with its claims so far, so a
    // host with half the top weight claims every other iteration.
    for (long iteration = 1; filled < tableSize; iteration++) {
      for (int i = 0; i < n && filled < tableSize; i++) {
        if (iteration * norm[i] < target[i]) {
          continue;
        }
        target[i] += 1.0;
        int c = pos[i];
        while (table[c] >= 0) {
          c = advance(c, skip[i], tableSize);
        }
        table[c] = i;
        pos[i] = advance(c, skip[i], tableSize);
        filled++;
      }
    }
  }

  private static int advance(int c, int skip, int size) {
    int next = c + skip; // both < size <= 5000011: no overflow
    return next >= size ? next - size : next;
  }

  @Override
  LbHost pick(long hash) {
    return hosts[table[(int) Long.remainderUnsigned(hash, table.length)]];
  }

  @Override
  LbHost pickAvoiding(LbContext context, long hash) {
    // Envoy's re-selection: flip many bits of the hash per attempt for an unrelated slot.
    for (long attempt = 1; attempt <= 8; attempt++) {
      LbHost h = pick(hash ^ (~0L - attempt + 1));
      if (!context.shouldAvoid(h)) {
        return h;
      }
    }
    int start = (int) Long.remainderUnsigned(hash, table.length);
    for (int k = 1; k < table.length; k++) {
      LbHost h = hosts[table[(start + k) % table.length]];
      if (!context.shouldAvoid(h)) {
        return h;
      }
    }
    return null;
  }
}
