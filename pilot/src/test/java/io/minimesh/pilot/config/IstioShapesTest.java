package io.minimesh.pilot.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.pilot.TestData;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.validation.ValidationMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Valid Istio resources in the shapes users copy from Istio's docs and samples produce no error. */
class IstioShapesTest {
  /** Builds pilot's push context from a file under src/test/resources/compat (plus extra documents). */
  private static PushContext load(String file, String... extra) throws Exception {
    String[] yamls = new String[extra.length + 1];
    yamls[0] = Files.readString(Path.of("src/test/resources/compat", file));
    System.arraycopy(extra, 0, yamls, 1, extra.length);
    PushContext ctx = PushContext.build(TestData.snapshot(yamls));
    assertThat(ctx.messages()).as(file).filteredOn(m -> m.level() == ValidationMessage.Level.Error)
        .extracting(Object::toString).isEmpty();
    return ctx;
  }

  @Test
  void docsShapesAreAcceptedWithoutErrors() throws Exception {
    assertThat(load("istio-shapes.yaml").virtualServices()).hasSize(4);
  }

  @Test
  void kubectlListOutputAndLessCommonFieldsAreAccepted() throws Exception {
    PushContext ctx = load("istio-shapes-2.yaml",
        TestData.tlsSecret("default", "bookinfo-credential", false, "bookinfo.example.com"));
    assertThat(ctx.virtualServices()).hasSize(3);
  }

  @Test
  void olderSpellingsAndTlsShapesAreAccepted() throws Exception {
    PushContext ctx = load("istio-shapes-3.yaml",
        TestData.tlsSecret("default", "httpbin-credential", true, "httpbin.example.com"));
    assertThat(ctx.virtualServices()).hasSize(2);
  }
}
