package io.minimesh.dataplane.upstream.lb;

/** What a request tells the load balancer. */
public interface LbContext {
  /** True when a hash policy produced a hash for this request (ring hash / maglev use it). */
  boolean hasHash();

  /** The request's hash; meaningful only when {@link #hasHash()}. */
  long hash();

  /** True for hosts a retry should avoid (already tried), when others are available. */
  default boolean shouldAvoid(LbHost host) {
    return false;
  }

  LbContext NONE =
      new LbContext() {
        @Override
        public boolean hasHash() {
          return false;
        }

        @Override
        public long hash() {
          return 0;
        }
      };
}
