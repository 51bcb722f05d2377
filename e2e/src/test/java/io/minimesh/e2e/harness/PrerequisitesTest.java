package io.minimesh.e2e.harness;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class PrerequisitesTest {

  private static final List<String> MISSING = List.of("HTTPBIN: gunicorn not found on PATH (apt-get install gunicorn)");

  @Test
  void missingSkipsWithTheReason() {
    assertThatThrownBy(() -> Prerequisites.enforce(MISSING, false))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("apt-get install gunicorn")
        .hasMessageContaining("MINIMESH_E2E_REQUIRED=1");
  }

  @Test
  void missingFailsWhenRequired() {
    assertThatThrownBy(() -> Prerequisites.enforce(MISSING, true))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("apt-get install gunicorn");
  }

  @Test
  void nothingMissingPasses() {
    assertThatCode(() -> Prerequisites.enforce(List.of(), true)).doesNotThrowAnyException();
  }
}
