package io.minimesh.dataplane.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Bootstrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code src/test/resources/bootstrap/*.yaml} loads, and its Bootstrap (as JSON) equals
 * {@code *.golden.json}. {@code -DrefreshGolden=true} rewrites the golden files.
 */
class BootstrapGoldenTest {
  static final Path DIR = Path.of("src/test/resources/bootstrap");

  static Stream<String> configs() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void translatesToGolden(String name) throws Exception {
    Bootstrap b = BootstrapLoader.fromFile(DIR.resolve(name));
    String actual = JsonPrinter.print(b) + "\n";
    Path golden = DIR.resolve(name.replace(".yaml", ".golden.json"));
    if (Boolean.getBoolean("refreshGolden")) {
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertThat(golden).as("golden file (create it with -DrefreshGolden=true)").exists();
    assertThat(actual).isEqualTo(Files.readString(golden));
    // The printed JSON is itself a valid Minimesh-format bootstrap that means the same.
    assertThat(BootstrapLoader.fromString(actual)).isEqualTo(b);
  }
}
