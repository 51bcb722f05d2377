package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Golden files under src/test/resources/golden; -DrefreshGolden=true rewrites them. */
public final class Golden {
  private static final Path DIR = Path.of("src", "test", "resources", "golden");

  public static void assertMatches(String name, String actual) {
    Path file = DIR.resolve(name);
    try {
      if (Boolean.getBoolean("refreshGolden")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual);
        return;
      }
      assertThat(file).as("golden file %s (create it with -DrefreshGolden=true)", file).exists();
      assertThat(actual).as("output vs golden file %s", file).isEqualTo(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Golden() {}
}
