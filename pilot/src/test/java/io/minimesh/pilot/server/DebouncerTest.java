package io.minimesh.pilot.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebouncerTest {
  private final ManualScheduler clock = new ManualScheduler();
  private final List<Debouncer.Request> fired = new ArrayList<>();
  private final Debouncer debouncer = new Debouncer(Duration.ofMillis(100), Duration.ofSeconds(10), clock, fired::add);

  @Test
  void burstOfChangesIsMergedIntoOnePushAfterTheQuietPeriod() {
    debouncer.enqueue(false);
    clock.advanceMillis(50);
    debouncer.enqueue(true);
    clock.advanceMillis(50);
    debouncer.enqueue(false);
    clock.advanceMillis(99);
    assertThat(fired).isEmpty();
    clock.advanceMillis(1);
    assertThat(fired).hasSize(1);
    assertThat(fired.get(0).full()).as("a config change in the batch makes the push full").isTrue();
    clock.advanceMillis(1000);
    assertThat(fired).hasSize(1);
  }

  @Test
  void endpointOnlyBatchStaysIncremental() {
    debouncer.enqueue(false);
    debouncer.enqueue(false);
    clock.advanceMillis(100);
    assertThat(fired).singleElement().satisfies(r -> assertThat(r.full()).isFalse());
  }

  @Test
  void continuousChangesArePushedAfterTheMaximumDelay() {
    for (int i = 0; i < 199; i++) {
      debouncer.enqueue(true);
      clock.advanceMillis(50);
    }
    assertThat(fired).isEmpty();
    debouncer.enqueue(true);
    clock.advanceMillis(50);
    assertThat(fired).hasSize(1);
  }

  @Test
  void changesAfterAPushStartANewBatch() {
    debouncer.enqueue(true);
    clock.advanceMillis(100);
    debouncer.enqueue(false);
    clock.advanceMillis(100);
    assertThat(fired).extracting(Debouncer.Request::full).containsExactly(true, false);
  }
}
