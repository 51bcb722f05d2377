package io.minimesh.agent.internal;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class of the module: conditions are awaited up to a minute, because
 * processes and JVMs start slowly on a build machine shared by many builds. A deadline, not a sleep.
 */
public final class PatientAwaits implements BeforeAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    Awaitility.setDefaultTimeout(Duration.ofSeconds(60));
    Awaitility.setDefaultPollInterval(Duration.ofMillis(20));
  }
}
