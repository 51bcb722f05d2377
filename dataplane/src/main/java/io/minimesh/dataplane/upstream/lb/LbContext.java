package io.minimesh.dataplane.upstream.lb;

import java.util.OptionalLong;
import java.util.function.Predicate;

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

  /** A context with the given hash (from {@link HashPolicies#hash}) and hosts to avoid. */
  static LbContext of(OptionalLong hash, Predicate<? super LbHost> avoid) {
    boolean has = hash.isPresent();
    long value = has ? hash.getAsLong() : 0L;
    return new LbContext() {
      @Override
      public boolean hasHash() {
        return has;
      }

      @Override
      public long hash() {
        return value;
      }

      @Override
      public boolean shouldAvoid(LbHost host) {
        return avoid.test(host);
      }
    };
  }
}
