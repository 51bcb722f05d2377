package io.minimesh.dataplane.upstream.lb;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Envoy RING_HASH (Ketama-style consistent hashing). Each host gets points on a 64-bit ring at
 * {@code xxHash64(hashKey + "_" + i)}; a request goes to the first point at or after its hash
 * (wrapping). Same hash ⇒ same host; when a host leaves, only the requests that were on its points
 * move.
 *
 * <p>Ring size follows Envoy: the lightest host gets {@code ceil(minimum_ring_size × its share)}
 * points and others proportionally more, capped by {@code maximum_ring_size}. One change: that
 * per-lightest-host count is rounded up to a power of two. Envoy's count changes with every
 * membership change (3 equal hosts: 342 points each, 2 hosts: 512), which adds points to the
 * surviving hosts and moves ~15 % of THEIR requests too; with the rounding the count usually stays
 * the same (512 in both cases) and surviving requests stay put. Price: a ring at most 2× larger.
 *
 * <p>Cost: building hashes each point once and sorts the ring, O(R log R) for a ring of R points
 * (~1.5k points by default: microseconds; 8M points, Envoy's maximum: about a second, so keep
 * rings small for clusters that churn). A pick is one binary search, no allocation.
 *
 * <p>The host index is stored in the low bits of each point (the hash keeps its top 64-b bits), so
 * the ring is one sorted {@code long[]}: compact and sorted by the JDK's primitive sort.
 */
final class RingHashPicker extends Picker {
  private final long[] ring;
  private final int indexBits;
  private final long indexMask;

  RingHashPicker(LbHost[] hosts, double[] weights, long minRingSize, long maxRingSize,
      RandomGenerator random) {
    super(hosts, random);
    int n = hosts.length;
    double min = Double.MAX_VALUE;
    for (double w : weights) {
      min = Math.min(min, w);
    }
    double sum = 0;
    for (double w : weights) {
      sum += w;
    }
    long perLightest = Math.max(1, (long) Math.ceil(min / sum * minRingSize));
    perLightest = nextPowerOfTwo(perLightest);
    long[] counts = new long[n];
    double raw = 0;
    for (int i = 0; i < n; i++) {
      raw += perLightest * (weights[i] / min);
    }
    double shrink = raw > maxRingSize ? maxRingSize / raw : 1.0;
    long total = 0;
    for (int i = 0; i < n; i++) {
      counts[i] = Math.max(1, Math.round(perLightest * (weights[i] / min) * shrink));
      total += counts[i];
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("ring of " + total + " points is too large");
    }
    indexBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(n - 1));
    indexMask = (1L << indexBits) - 1;
    ring = new long[(int) total];
    int p = 0;
    StringBuilder key = new StringBuilder(64);
    for (int i = 0; i < n; i++) {
      key.setLength(0);
      key.append(hosts[i].hashKey()).append('_');
      int prefix = key.length();
      for (long j = 0; j < counts[i]; j++) {
        key.setLength(prefix);
        key.append(j);
        // Flip the sign bit so signed order equals the unsigned order of the hashes.
        long point = XxHash64.hash(key.toString()) ^ Long.MIN_VALUE;
        ring[p++] = (point & ~indexMask) | i;
      }
    }
    Arrays.sort(ring);
  }

  private static long nextPowerOfTwo(long v) {
    long h = Long.highestOneBit(v);
    return h == v ? v : h << 1;
  }

  int size() {
    return ring.length;
  }

  private int position(long hash) {
    int i = Arrays.binarySearch(ring, (hash ^ Long.MIN_VALUE) & ~indexMask);
    if (i < 0) {
      i = -i - 1;
    }
    return i == ring.length ? 0 : i;
  }

  @Override
  LbHost pick(long hash) {
    return hosts[(int) (ring[position(hash)] & indexMask)];
  }

  @Override
  LbHost pickAvoiding(LbContext context, long hash) {
    // Walk on around the ring, like Envoy's host re-selection: the retry goes to the next host a
    // hash would land on if the first one left, so retries of one key are sticky too.
    int start = position(hash);
    for (int k = 1; k < ring.length; k++) {
      LbHost h = hosts[(int) (ring[(start + k) % ring.length] & indexMask)];
      if (!context.shouldAvoid(h)) {
        return h;
      }
    }
    return null;
  }
}
