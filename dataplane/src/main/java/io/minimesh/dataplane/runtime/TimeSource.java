package io.minimesh.dataplane.runtime;

/** Wall clock and monotonic ticker, injected so tests can drive time. */
public interface TimeSource {
  long nanoTime();

  long currentTimeMillis();

  TimeSource SYSTEM =
      new TimeSource() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
          return System.currentTimeMillis();
        }
      };
}
