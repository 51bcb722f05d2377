package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {
  @Test
  void goStyleAndIso() {
    assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationConverter.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(DurationConverter.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(DurationConverter.parse("15")).isEqualTo(Duration.ofSeconds(15));
    assertThat(DurationConverter.parse("PT2M")).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void garbageIsRejected() {
    for (String bad : new String[] {"", "s", "10x", "10s junk", "P"}) {
      assertThatThrownBy(() -> DurationConverter.parse(bad)).isInstanceOf(CommandLine.TypeConversionException.class);
    }
  }
}
