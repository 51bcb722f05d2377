package io.minimesh.dataplane.upstream.lb;

/** Builds the policy's picker over one non-empty host set. */
interface PickerFactory {
  /**
   * {@code weights[i] > 0} is host i's share: its weight, or for hash policies under locality
   * weighting its weight scaled by its locality's share (non-hash policies use host weights).
   */
  Picker create(LbHost[] hosts, double[] weights);

  /** Whether the policy consumes the request hash (ring hash, Maglev). */
  boolean hashBased();
}
