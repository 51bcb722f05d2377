package io.minimesh.dataplane.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a proxy bootstrap: Minimesh's own format (the {@link Bootstrap} message as YAML or JSON)
 * or a supported subset of Envoy v3 bootstrap YAML, both into the same {@link Bootstrap}.
 *
 * <p>Errors name the path of the bad field and unknown fields are errors.
 */
public final class BootstrapLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Loads a file (-c/--config-path). */
  public static Bootstrap fromFile(Path file) throws InvalidConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new InvalidConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    return fromString(text);
  }

  /** Loads YAML or JSON text (--config-yaml). */
  public static Bootstrap fromString(String text) throws InvalidConfigException {
    JsonNode tree;
    try {
      tree = YAML.readTree(text);
    } catch (IOException e) {
      throw new InvalidConfigException("config is not valid YAML/JSON: " + e.getMessage(), e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return Bootstrap.getDefaultInstance();
    }
    if (!tree.isObject()) {
      throw new InvalidConfigException("config must be a mapping at the top level");
    }
    // Minimal Minimesh-format path; the Envoy translator and path-precise errors plug in here.
    try {
      return JsonPrinter.parse(tree.toString(), Bootstrap.newBuilder()).build();
    } catch (IOException e) {
      throw new InvalidConfigException(e.getMessage(), e);
    }
  }

  private BootstrapLoader() {}
}
