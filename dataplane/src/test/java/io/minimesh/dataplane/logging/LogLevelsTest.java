package io.minimesh.dataplane.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogLevelsTest {
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @AfterEach
  void reset() {
    LogLevels.init("warn", System.err);
  }

  private String logged() {
    for (var h : Logger.getLogger("").getHandlers()) h.flush();
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aComponentLevelChangesWhileRunning() {
    LogLevels.init("info", new PrintStream(err, true, StandardCharsets.UTF_8));
    org.slf4j.Logger upstream = LoggerFactory.getLogger("io.minimesh.dataplane.upstream.Http1Pool");
    upstream.debug("hidden at info");
    assertThat(logged()).doesNotContain("hidden at info");

    LogLevels.set("upstream", "debug");
    upstream.debug("shown at debug");
    assertThat(logged()).contains("[debug][Http1Pool] shown at debug");
    assertThat(LogLevels.levels()).containsEntry("upstream", "debug").containsEntry("http", "info");

    // "level" resets every component to the new default.
    LogLevels.set("level", "error");
    upstream.warn("hidden at error");
    assertThat(logged()).doesNotContain("hidden at error");
    assertThat(LogLevels.levels()).containsEntry("upstream", "error");
  }

  @Test
  void badNamesAndLevelsAreRejected() {
    assertThatThrownBy(() -> LogLevels.set("level", "loud")).hasMessage("invalid log level \"loud\"");
    assertThatThrownBy(() -> LogLevels.set("nosuch", "debug")).hasMessage("unknown logger \"nosuch\"");
    assertThat(LogLevels.parse("critical")).isEqualTo(Level.SEVERE);
  }
}
