package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmallParsersTest {
  @Test
  void durationsAcceptGoStyle() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("7")).isEqualTo(Duration.ofSeconds(7));
    assertThatThrownBy(() -> Durations.parse("5x")).hasMessageContaining("invalid duration \"5x\"");
    assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("invalid duration");
  }

  @Test
  void commandSplittingHonoursQuotes() {
    assertThat(CommandLineSplitter.split("sh -c 'exit 1'")).containsExactly("sh", "-c", "exit 1");
    assertThat(CommandLineSplitter.split("a \"b \\\"c\\\"\" d\\ e")).containsExactly("a", "b \"c\"", "d e");
    assertThatThrownBy(() -> CommandLineSplitter.split("sh -c 'oops")).hasMessageContaining("unterminated");
  }

  @Test
  void backoffDoublesToTheCap() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1));
    assertThat(b.delay(0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(b.delay(3)).isEqualTo(Duration.ofSeconds(8));
    assertThat(b.delay(4)).isEqualTo(Duration.ofSeconds(10));
    assertThat(b.delay(1000)).isEqualTo(Duration.ofSeconds(10));
  }
}
