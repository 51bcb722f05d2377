package io.minimesh.meshctl.internal.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Message;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.meshctl.MeshctlException;
import java.util.List;

/** JSON/YAML rendering of protos (through the shared JsonPrinter, proto field names) and JSON trees. */
public final class Json {
  public static final ObjectMapper MAPPER = new ObjectMapper();
  private static final YAMLMapper YAML =
      new YAMLMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .build());
  private static final DefaultPrettyPrinter PRETTY =
      new DefaultPrettyPrinter()
          .withSeparators(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
          .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
          .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));

  public static JsonNode tree(Message m) {
    return parse(JsonPrinter.print(m));
  }

  public static ArrayNode tree(List<? extends Message> messages) {
    ArrayNode a = MAPPER.createArrayNode();
    for (Message m : messages) {
      a.add(tree(m));
    }
    return a;
  }

  public static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new MeshctlException("malformed JSON: " + e.getOriginalMessage());
    }
  }

  /** YAML or JSON text (JSON is YAML) to a tree. */
  public static JsonNode parseYamlOrJson(String text) {
    try {
      return YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new MeshctlException("malformed JSON/YAML: " + e.getOriginalMessage());
    }
  }

  /** Pretty JSON ending in a newline, or YAML. */
  public static String render(JsonNode node, OutputFormat format) {
    try {
      if (format == OutputFormat.yaml) {
        return YAML.writeValueAsString(node);
      }
      return MAPPER.writer(PRETTY).writeValueAsString(node) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private Json() {}
}
