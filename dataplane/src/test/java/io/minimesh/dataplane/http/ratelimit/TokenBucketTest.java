package io.minimesh.dataplane.http.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  static final long SEC = 1_000_000_000L;

  @Test
  void startsFullAndRefillsPerIntervalUpToMax() {
    TokenBucket b = new TokenBucket(10, 5, SEC);
    long t = 42 * SEC;
    for (int i = 0; i < 10; i++) assertThat(b.tryConsume(t)).isTrue();
    assertThat(b.tryConsume(t)).isFalse();
    assertThat(b.tryConsume(t + SEC - 1)).as("no partial fills").isFalse();
    assertThat(b.available(t + SEC)).isEqualTo(5);
    assertThat(b.available(t + 100 * SEC)).as("capped at max_tokens").isEqualTo(10);
  }

  @Test
  void fillsAreCountedFromTheLastFillNotTheLastRequest() {
    TokenBucket b = new TokenBucket(1, 1, SEC);
    assertThat(b.tryConsume(0)).isTrue();
    assertThat(b.tryConsume(SEC + SEC / 2)).isTrue(); // fill at 1 s
    assertThat(b.tryConsume(2 * SEC)).as("next fill at 2 s").isTrue();
    assertThat(b.tryConsume(2 * SEC + 1)).isFalse();
  }
}
