package io.minimesh.dataplane.upstream.lb;

import java.util.random.RandomGenerator;

/**
 * Locality-weighted balancing inside one priority level (Envoy's locality_weighted_lb_config):
 * first a locality by exact weighted round robin over its effective weight, then a host of that
 * locality with the cluster's policy.
 */
final class LocalityPicker extends Picker {
  private final Picker[] localities;
  private final EdfScheduler edf;

  /** {@code weights[i] >= 1} is the effective weight of locality i (already health-adjusted). */
  LocalityPicker(LbHost[] allHosts, Picker[] localities, int[] weights, RandomGenerator random) {
    super(allHosts, random);
    this.localities = localities;
    this.edf = new EdfScheduler(weights, random);
  }

  @Override
  LbHost pick(long hash) {
    return localities[edf.next()].pick(hash);
  }

  @Override
  LbHost pickAvoiding(LbContext context, long hash) {
    int first = edf.next();
    LbHost h = localities[first].pickAvoiding(context, hash);
    if (h != null) {
      return h;
    }
    for (int i = 0; i < localities.length; i++) {
      if (i != first && (h = localities[i].pickAvoiding(context, hash)) != null) {
        return h;
      }
    }
    return null;
  }
}
