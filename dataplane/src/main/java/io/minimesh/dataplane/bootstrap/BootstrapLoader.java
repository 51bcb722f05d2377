package io.minimesh.dataplane.bootstrap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads a proxy bootstrap: Minimesh's own format (the {@link Bootstrap} message as YAML or JSON,
 * proto field names) or the documented subset of Envoy v3 bootstrap YAML (docs/envoy-compat.md),
 * both into the same {@link Bootstrap}.
 *
 * <p>Both formats go through one descriptor-driven mapper; an Envoy document additionally goes
 * through a table of Envoy-specific rewrites. A document is treated as Envoy's when it contains
 * anything only Envoy writes ({@link #format}); a document using only fields the two formats share
 * means the same in both, so the choice cannot change its meaning.
 *
 * <p>Errors are one line naming the path of the bad field
 * ({@code static_resources.clusters[1].lb_polcy: unknown field}); unknown fields are errors.
 */
public final class BootstrapLoader {
  /** Which grammar a document was read with. */
  public enum Format {
    MINIMESH,
    ENVOY
  }

  static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

  /** Keys only an Envoy bootstrap has (anywhere in the document). */
  private static final Set<String> ENVOY_KEYS = Set.of(
      "typed_config", "@type", "ads_config", "lds_config", "cds_config", "layered_runtime", "stats_config",
      "stats_sinks", "stats_flush_interval", "typed_extension_protocol_options", "overload_manager",
      "watchdog", "watchdogs", "cluster_manager", "config_source", "eds_config", "tls_context", "hosts");

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
    JsonNode tree = parse(text);
    if (tree == null) return Bootstrap.getDefaultInstance();
    ProtoMapper.Dialect dialect = format(tree) == Format.ENVOY ? new EnvoyDialect() : ProtoMapper.NONE;
    try {
      return new ProtoMapper(dialect).mergeObject(Bootstrap.newBuilder(), tree, ConfigPath.ROOT).build();
    } catch (ConfigPath.InvalidConfig e) {
      throw new InvalidConfigException(e.getMessage());
    }
  }

  /** The format {@link #fromString} would read {@code text} with. */
  public static Format detectFormat(String text) throws InvalidConfigException {
    JsonNode tree = parse(text);
    return tree == null ? Format.MINIMESH : format(tree);
  }

  private static JsonNode parse(String text) throws InvalidConfigException {
    JsonNode tree;
    try {
      tree = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ";
      throw new InvalidConfigException("config is not valid YAML/JSON: " + where + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidConfigException("config is not valid YAML/JSON: " + e.getMessage(), e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) return null;
    if (!tree.isObject()) {
      throw new InvalidConfigException("config must be a mapping at the top level, got " + ProtoMapper.describe(tree));
    }
    return tree;
  }

  static Format format(JsonNode tree) {
    return hasEnvoyMarker(tree, null) ? Format.ENVOY : Format.MINIMESH;
  }

  private static boolean hasEnvoyMarker(JsonNode node, String parentKey) {
    if (node.isArray()) {
      for (JsonNode el : node) {
        // Envoy's listener_filters are objects; Minimesh's are plain names.
        if ("listener_filters".equals(parentKey) && el.isObject()) return true;
        // v2 network filters carried `config:`; reaching the Envoy translator gives a clear error.
        if ("filters".equals(parentKey) && el.has("config")) return true;
        if (hasEnvoyMarker(el, parentKey)) return true;
      }
      return false;
    }
    if (!node.isObject()) return false;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (ENVOY_KEYS.contains(e.getKey())) return true;
      // Envoy v1 put listeners at the top level; reaching the Envoy translator gives a clear error.
      if (parentKey == null && e.getKey().equals("listeners")) return true;
      if (e.getKey().equals("access_log") && "admin".equals(parentKey)) return true;
      if (hasEnvoyMarker(e.getValue(), e.getKey())) return true;
    }
    return false;
  }

  private BootstrapLoader() {}
}
