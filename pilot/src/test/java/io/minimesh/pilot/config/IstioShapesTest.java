package io.minimesh.pilot.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.validation.ValidationMessage;
import io.minimesh.pilot.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Valid Istio resources in the shapes users copy from Istio's docs and samples produce no error. */
class IstioShapesTest {
  @Test
  void docsShapesAreAcceptedWithoutErrors() throws Exception {
    String yaml = Files.readString(Path.of("src/test/resources/compat/istio-shapes.yaml"));
    PushContext ctx = PushContext.build(TestData.snapshot(yaml));
    List<String> errors = ctx.messages().stream()
        .filter(m -> m.level() == ValidationMessage.Level.Error).map(Object::toString).toList();
    System.out.println("MESSAGES " + ctx.messages());
    assertThat(errors).isEmpty();
    assertThat(ctx.virtualServices()).hasSize(4);
  }

  @Test
  void kubectlListOutputAndLessCommonFieldsAreAccepted() throws Exception {
    String yaml = Files.readString(Path.of("src/test/resources/compat/istio-shapes-2.yaml"));
    PushContext ctx = PushContext.build(TestData.snapshot(yaml,
        TestData.tlsSecret("default", "bookinfo-credential", false, "bookinfo.example.com")));
    System.out.println("MESSAGES2 " + ctx.messages());
    assertThat(ctx.messages()).filteredOn(m -> m.level() == ValidationMessage.Level.Error)
        .extracting(Object::toString).isEmpty();
    assertThat(ctx.virtualServices()).hasSize(3);
  }

  @Test
  void olderSpellingsAndTlsShapesAreAccepted() throws Exception {
    String yaml = Files.readString(Path.of("src/test/resources/compat/istio-shapes-3.yaml"));
    PushContext ctx = PushContext.build(TestData.snapshot(yaml,
        TestData.tlsSecret("default", "httpbin-credential", true, "httpbin.example.com")));
    System.out.println("MESSAGES3 " + ctx.messages());
    assertThat(ctx.messages()).filteredOn(m -> m.level() == ValidationMessage.Level.Error)
        .extracting(Object::toString).isEmpty();
    assertThat(ctx.virtualServices()).hasSize(2);
  }
}
