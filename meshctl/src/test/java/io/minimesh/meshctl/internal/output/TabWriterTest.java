package io.minimesh.meshctl.internal.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TabWriterTest {
  @Test
  void alignsColumnsAndTrimsTrailingBlanks() {
    String out = new TabWriter(3).row("NAME", "CDS", "X").row("a-long-name", "", "").row("b", "SYNCED (1s)", "z").render();
    assertThat(out).isEqualTo("NAME          CDS           X\na-long-name\nb             SYNCED (1s)   z\n");
  }

  @Test
  void cellsCannotBreakTheLayout() {
    assertThat(new TabWriter(1).row("a\tb", "c\nd").render()).isEqualTo("a b c d\n");
  }

  @Test
  void rejectsZeroPadding() {
    assertThatThrownBy(() -> new TabWriter(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void kubectlAges() {
    assertThat(Ages.format(Duration.ofSeconds(12))).isEqualTo("12s");
    assertThat(Ages.format(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(Ages.format(Duration.ofSeconds(185))).isEqualTo("3m5s");
    assertThat(Ages.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(Ages.format(Duration.ofMinutes(42))).isEqualTo("42m");
    assertThat(Ages.format(Duration.ofMinutes(190))).isEqualTo("3h10m");
    assertThat(Ages.format(Duration.ofHours(20))).isEqualTo("20h");
    assertThat(Ages.format(Duration.ofHours(52))).isEqualTo("2d4h");
    assertThat(Ages.format(Duration.ofDays(9))).isEqualTo("9d");
    assertThat(Ages.format(Duration.ofSeconds(-5))).isEqualTo("0s");
  }
}
