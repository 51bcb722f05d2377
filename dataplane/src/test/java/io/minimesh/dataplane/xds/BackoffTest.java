package io.minimesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void jitterKeepsEachDelayBetweenHalfAndAllOfTheInterval() {
    Backoff low = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.0);
    Backoff high = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 1.0);
    long[] expectedMillis = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (long ms : expectedMillis) {
      assertThat(low.next()).isEqualTo(Duration.ofMillis(ms / 2));
      assertThat(high.next()).isEqualTo(Duration.ofMillis(ms));
    }
  }

  @Test
  void resetStartsOverAndManyAttemptsStayAtTheCap() {
    Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 1.0);
    for (int i = 0; i < 200; i++) assertThat(b.next()).isLessThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(b.next()).isEqualTo(Duration.ofSeconds(30));
    b.reset();
    assertThat(b.next()).isEqualTo(Duration.ofMillis(500));
  }
}
