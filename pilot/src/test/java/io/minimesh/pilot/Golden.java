package io.minimesh.pilot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Compares text with src/test/resources/golden/NAME; -DrefreshGolden=true (or a missing file) rewrites it. */
public final class Golden {
  public static void assertMatches(String name, String actual) {
    Path golden = Path.of("src/test/resources/golden", name);
    try {
      if (Boolean.getBoolean("refreshGolden") || !Files.exists(golden)) {
        Files.createDirectories(golden.getParent());
        Files.writeString(golden, actual, StandardCharsets.UTF_8);
      }
      assertThat(actual).as("golden " + golden).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String resource(String path) {
    try (var in = Golden.class.getResourceAsStream("/" + path)) {
      if (in == null) throw new IllegalArgumentException("no test resource " + path);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Golden() {}
}
