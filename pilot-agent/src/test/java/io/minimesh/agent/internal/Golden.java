package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Compares against src/test/resources/golden/NAME; {@code -DrefreshGolden=true} rewrites it. */
final class Golden {
  static void assertMatches(String name, String actual) {
    Path file = Paths.get("src/test/resources/golden", name);
    try {
      if (Boolean.getBoolean("refreshGolden") || !Files.exists(file)) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        if (!Boolean.getBoolean("refreshGolden")) {
          throw new AssertionError("golden file " + file + " was missing and has been written; check it in");
        }
        return;
      }
      assertThat(actual).as("golden " + file).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Golden() {}
}
