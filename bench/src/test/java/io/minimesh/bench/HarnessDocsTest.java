package io.minimesh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A partial run rewrites only its own sections of docs/performance.md; the others are kept verbatim. */
class HarnessDocsTest {
  static final String DOC = """
      # Performance

      <!-- bench:latency -->
      latency table
      <!-- /bench:latency -->
      <!-- bench:pilot -->
      pilot table
      <!-- /bench:pilot -->

      ## History
      """;

  @Test
  void keepsASectionWithItsMarkers() {
    assertThat(Harness.section(DOC, "pilot")).isEqualTo("<!-- bench:pilot -->\npilot table\n<!-- /bench:pilot -->\n");
    assertThat(Harness.section(DOC, "latency")).contains("latency table").doesNotContain("pilot");
  }

  @Test
  void aSectionNeverWrittenIsAbsent() {
    assertThat(Harness.section(DOC, "jmh")).isNull();
  }
}
