package io.minimesh.api.istio;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Strict parsing of Istio resources from YAML/JSON: unknown fields and wrong types are errors whose
 * message names the field path (e.g. {@code spec.http[0].route[0].destination.hots}).
 */
public final class IstioYaml {
  private static final ObjectMapper MAPPER =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);

  /** One YAML document of a multi-document stream, with the 1-based line it starts on. */
  public record Document(JsonNode node, int line) {}

  /** Thrown for syntax errors, unknown fields and type mismatches; {@link #field()} is the path. */
  public static final class ParseException extends Exception {
    private final String field;

    public ParseException(String field, String message) {
      super(message);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Splits a multi-document YAML text; empty documents are skipped. */
  public static List<Document> documents(String yaml) throws ParseException {
    List<Document> docs = new ArrayList<>();
    try (JsonParser p = MAPPER.getFactory().createParser(yaml)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        int line = (int) p.currentTokenLocation().getLineNr();
        if (t == JsonToken.VALUE_NULL) continue;
        JsonNode node = MAPPER.readTree(p);
        if (node != null && !node.isNull() && !node.isMissingNode()) {
          docs.add(new Document(node, Math.max(1, line)));
        }
      }
    } catch (JsonMappingException e) {
      throw new ParseException("", syntaxMessage(e));
    } catch (IOException e) {
      throw new ParseException("", "YAML syntax error: " + e.getMessage().split("\n")[0]);
    }
    return docs;
  }

  /** Converts a document tree into a typed Istio resource (kind must match). */
  public static <T extends CustomResource<?, ?>> T convert(JsonNode node, Class<T> type)
      throws ParseException {
    try {
      return MAPPER.treeToValue(node, type);
    } catch (UnrecognizedPropertyException e) {
      String path = path(e);
      throw new ParseException(path, "unknown field \"" + path + "\"");
    } catch (JsonMappingException e) {
      String path = path(e);
      String msg = e.getOriginalMessage();
      int nl = msg.indexOf('\n');
      if (nl > 0) msg = msg.substring(0, nl);
      throw new ParseException(path, "invalid value for field \"" + path + "\": " + simplify(msg));
    } catch (IOException e) {
      throw new ParseException("", e.getMessage());
    }
  }

  /** Parses one YAML document into the given type. */
  public static <T extends CustomResource<?, ?>> T parse(String yaml, Class<T> type)
      throws ParseException {
    List<Document> docs = documents(yaml);
    if (docs.size() != 1) throw new ParseException("", "expected one document, got " + docs.size());
    return convert(docs.get(0).node(), type);
  }

  private static String simplify(String msg) {
    // Jackson names Java types; users know YAML types.
    return msg.replace("java.lang.", "").replace("io.minimesh.api.istio.", "");
  }

  private static String syntaxMessage(JsonMappingException e) {
    return "YAML syntax error: " + e.getOriginalMessage().split("\n")[0];
  }

  static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) sb.append('.');
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private IstioYaml() {}
}
