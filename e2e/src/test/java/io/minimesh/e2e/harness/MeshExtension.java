package io.minimesh.e2e.harness;

import java.lang.reflect.AnnotatedElement;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The e2e JUnit 5 extension (use {@link MeshTest}): checks {@link Requires}, injects
 * {@link MeshProcesses} — per test method, or per class when asked for by a {@code @BeforeAll}
 * method — and on teardown prints the log tails of a failed test, stops every process and fails a
 * test whose child processes reported a Netty leak.
 */
public final class MeshExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
    AfterAllCallback, ParameterResolver {

  /** Lines of each process log shown for a failed test. */
  static final int TAIL_LINES = 50;

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(MeshExtension.class);
  private static final String KEY = "mesh";

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getTestClass().ifPresent(MeshExtension::checkRequires);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getTestMethod().ifPresent(MeshExtension::checkRequires);
  }

  private static void checkRequires(AnnotatedElement element) {
    Requires r = element.getAnnotation(Requires.class);
    if (r != null) {
      Prerequisites.require(r.value());
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext context) {
    return p.getParameter().getType() == MeshProcesses.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext context) {
    return context.getStore(NS).getOrComputeIfAbsent(KEY, k -> new MeshProcesses(logDir(context)),
        MeshProcesses.class);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    finish(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    finish(context);
  }

  private static void finish(ExtensionContext context) {
    MeshProcesses mesh = context.getStore(NS).remove(KEY, MeshProcesses.class);
    if (mesh == null) {
      return;
    }
    Optional<Throwable> failure = context.getExecutionException();
    try {
      if (failure.isPresent()) {
        String tails = mesh.logTails(TAIL_LINES);
        System.err.println("===== " + context.getDisplayName() + " failed; process logs in " + mesh.logDir());
        System.err.print(tails);
        failure.get().addSuppressed(new ProcessLogs(mesh.logDir(), tails));
      }
    } finally {
      mesh.close();
    }
    List<String> leaks = mesh.leakReports();
    if (!leaks.isEmpty() && failure.isEmpty()) {
      throw new AssertionError("Netty reported leaks in child processes (logs in " + mesh.logDir() + "):\n"
          + String.join("\n", leaks));
    }
  }

  /** {@code target/e2e-logs/<TestClass>/<test>}. */
  static Path logDir(ExtensionContext context) {
    Path base = Path.of(System.getProperty("minimesh.e2e.logs",
        Path.of(System.getProperty("basedir", "."), "target", "e2e-logs").toString()));
    String cls = context.getRequiredTestClass().getName();
    cls = cls.substring(cls.lastIndexOf('.') + 1).replace('$', '.');
    if (context.getTestMethod().isEmpty()) {
      return base.resolve(cls).resolve("_class");
    }
    String method = context.getRequiredTestMethod().getName();
    String display = context.getDisplayName();
    String test = display.equals(method + "()") || display.startsWith(method + "(") ? method
        : method + "-" + display.replaceAll("[^A-Za-z0-9._-]+", "_");
    return base.resolve(cls).resolve(test.length() > 120 ? test.substring(0, 120) : test);
  }

  /** Attached to a failed test's exception so the report shows the process logs. */
  static final class ProcessLogs extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProcessLogs(Path dir, String tails) {
      super("process logs in " + dir + "\n" + tails, null, false, false);
    }
  }
}
