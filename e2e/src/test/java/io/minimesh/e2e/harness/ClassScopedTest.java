package io.minimesh.e2e.harness;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Processes started in @BeforeAll are shared by the class's tests and stopped after the last one. */
@MeshTest
class ClassScopedTest {

  private static MeshProcesses shared;
  private static TestAppProcess app;

  @BeforeAll
  static void start(MeshProcesses mesh) {
    shared = mesh;
    app = mesh.testapp("shared");
  }

  @Test
  void testsGetTheClassInstance(MeshProcesses mesh) {
    assertThat(mesh).isSameAs(shared);
    assertThat(mesh.logDir()).endsWith(java.nio.file.Path.of("ClassScopedTest", "_class"));
    assertThat(Http.get(app.url("/healthz")).status()).isEqualTo(200);
  }

  @Test
  void andItOutlivesEachTest() {
    assertThat(app.process().isAlive()).isTrue();
  }

  @AfterAll
  static void stillRunningUntilTheExtensionStopsIt() {
    assertThat(app.process().isAlive()).isTrue(); // @AfterAll methods run before extension afterAll
  }
}
