package io.minimesh.e2e.harness;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** The assumption helper behind {@link Requires}, callable from test code too. */
public final class Prerequisites {

  /** Env var: when "1" (as in CI), a missing prerequisite fails the test instead of skipping it. */
  public static final String REQUIRED_ENV = "MINIMESH_E2E_REQUIRED";

  private Prerequisites() {}

  public static boolean required() {
    return "1".equals(System.getenv(REQUIRED_ENV))
        || Boolean.parseBoolean(System.getProperty("minimesh.e2e.required", "false"));
  }

  /** Skips (or fails, when required) the current test unless every prerequisite is present. */
  public static void require(Prerequisite... prerequisites) {
    List<String> missing = new ArrayList<>();
    for (Prerequisite p : prerequisites) {
      p.missing().ifPresent(why -> missing.add(p + ": " + why));
    }
    if (missing.isEmpty()) {
      return;
    }
    String reason = "missing prerequisite " + String.join("; ", missing);
    if (required()) {
      Assertions.fail(reason + " (" + REQUIRED_ENV + "=1, so this fails instead of skipping)");
    }
    Assumptions.abort(reason + " (set " + REQUIRED_ENV + "=1 to fail instead)");
  }
}
