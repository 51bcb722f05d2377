package io.minimesh.dataplane.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.minimesh.dataplane.bootstrap.ConfigPath.InvalidConfig;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Maps a YAML/JSON tree onto a protobuf message, driven by the message descriptor, with the path
 * of every node at hand so an error names exactly the bad field. Unknown fields, wrong types, bad
 * enum values and two members of one oneof are errors.
 *
 * <p>A {@link Dialect} may take over individual keys of individual message types; the Envoy
 * translator is such a dialect, so fields that Envoy and Minimesh spell alike go through this one
 * code path and only the differences are written by hand.
 */
final class ProtoMapper {
  /** Per-message hooks; the Minimesh format uses {@link #NONE}. */
  interface Dialect {
    /**
     * Handles {@code key} of an object being mapped onto {@code b}; returns false to let the
     * generic mapping proceed.
     */
    boolean handle(ProtoMapper m, Message.Builder b, JsonNode parent, String key, JsonNode value, ConfigPath path);

    /** Called after every field of an object was mapped onto {@code b}. */
    default void finish(ProtoMapper m, Message.Builder b, JsonNode node, ConfigPath path) {}

    /** Extra text appended to "unknown field" errors. */
    default String unknownFieldHint() {
      return "";
    }
  }

  static final Dialect NONE = (m, b, parent, key, value, path) -> false;

  private static final Pattern DURATION =
      Pattern.compile("(-?\\d+(?:\\.\\d{1,9})?)(s|ms|m|h)");

  private final Dialect dialect;

  ProtoMapper(Dialect dialect) {
    this.dialect = dialect;
  }

  /** Maps an object onto a new builder of {@code b}'s type and merges it; keys in {@code skip} are left to the caller. */
  <B extends Message.Builder> B mergeObject(B b, JsonNode node, ConfigPath path, Set<String> skip) {
    if (node == null || node.isNull()) return b;
    if (!node.isObject()) {
      throw path.error("expected a mapping (" + b.getDescriptorForType().getName() + "), got " + describe(node));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      if (skip.contains(key)) continue;
      ConfigPath fp = path.field(key);
      if (dialect.handle(this, b, node, key, e.getValue(), fp)) continue;
      mergeField(b, key, e.getValue(), fp);
    }
    dialect.finish(this, b, node, path);
    return b;
  }

  <B extends Message.Builder> B mergeObject(B b, JsonNode node, ConfigPath path) {
    return mergeObject(b, node, path, Set.of());
  }

  /** Sets the field named {@code key} (proto or JSON name) of {@code b} from {@code value}. */
  void mergeField(Message.Builder b, String key, JsonNode value, ConfigPath path) {
    Descriptor d = b.getDescriptorForType();
    FieldDescriptor fd = d.findFieldByName(key);
    if (fd == null) {
      for (FieldDescriptor f : d.getFields()) {
        if (f.getJsonName().equals(key)) fd = f;
      }
    }
    if (fd == null) {
      throw path.error("unknown field" + suggestion(key, d) + dialect.unknownFieldHint());
    }
    setField(b, fd, value, path);
  }

  /** Sets {@code fd} of {@code b} from {@code value}; null values leave the field unset. */
  void setField(Message.Builder b, FieldDescriptor fd, JsonNode value, ConfigPath path) {
    if (value == null || value.isNull()) return;
    if (fd.isMapField()) {
      if (!value.isObject()) throw path.error("expected a mapping, got " + describe(value));
      FieldDescriptor kf = fd.getMessageType().findFieldByName("key");
      FieldDescriptor vf = fd.getMessageType().findFieldByName("value");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ConfigPath ep = path.field(e.getKey());
        Message.Builder entry = b.newBuilderForField(fd);
        entry.setField(kf, mapKey(kf, e.getKey(), ep));
        if (e.getValue() != null && !e.getValue().isNull()) {
          entry.setField(vf, single(entry, vf, e.getValue(), ep));
        }
        b.addRepeatedField(fd, entry.build());
      }
      return;
    }
    if (fd.isRepeated()) {
      if (!value.isArray()) {
        throw path.error("expected a list, got " + describe(value));
      }
      for (int i = 0; i < value.size(); i++) {
        JsonNode el = value.get(i);
        if (el == null || el.isNull()) throw path.index(i).error("null list element");
        b.addRepeatedField(fd, single(b, fd, el, path.index(i)));
      }
      return;
    }
    checkOneof(b, fd, path);
    b.setField(fd, single(b, fd, value, path));
  }

  /** Rejects a second member of a (real) oneof; proto3 optional's synthetic oneofs don't count. */
  void checkOneof(Message.Builder b, FieldDescriptor fd, ConfigPath path) {
    OneofDescriptor o = fd.getRealContainingOneof();
    if (o == null) return;
    FieldDescriptor set = b.getOneofFieldDescriptor(o);
    if (set != null && !set.equals(fd)) {
      throw path.error(
          "only one of "
              + o.getFields().stream().map(FieldDescriptor::getName).collect(Collectors.joining(", "))
              + " may be set (" + set.getName() + " is set too)");
    }
  }

  /** Ranges the schema alone cannot express, checked for both formats. */
  private static final Map<String, long[]> RANGES = Map.of(
      "minimesh.xds.v1.SocketAddress.port_value", new long[] {0, 65535},
      "minimesh.xds.v1.Endpoint.HealthCheckConfig.port_value", new long[] {0, 65535},
      "minimesh.xds.v1.RedirectAction.port_redirect", new long[] {0, 65535},
      "minimesh.xds.v1.DirectResponseAction.status", new long[] {200, 599});

  private Object single(Message.Builder owner, FieldDescriptor fd, JsonNode v, ConfigPath path) {
    long[] range = RANGES.get(fd.getFullName());
    if (range != null) return (int) integer(v, path, range[0], range[1]);
    return switch (fd.getJavaType()) {
      case MESSAGE -> message(owner.newBuilderForField(fd), v, path);
      case ENUM -> enumValue(fd.getEnumType(), v, path);
      case STRING -> string(v, path);
      case BOOLEAN -> bool(v, path);
      case INT -> (int) integer(v, path, fd.getType() == FieldDescriptor.Type.UINT32
          || fd.getType() == FieldDescriptor.Type.FIXED32 ? 0 : Integer.MIN_VALUE,
          fd.getType() == FieldDescriptor.Type.UINT32 || fd.getType() == FieldDescriptor.Type.FIXED32
              ? 0xFFFF_FFFFL : Integer.MAX_VALUE);
      case LONG -> integer(v, path, fd.getType() == FieldDescriptor.Type.UINT64
          || fd.getType() == FieldDescriptor.Type.FIXED64 ? 0 : Long.MIN_VALUE, Long.MAX_VALUE);
      case DOUBLE -> number(v, path);
      case FLOAT -> (float) number(v, path);
      case BYTE_STRING -> bytes(v, path);
    };
  }

  /** A message value: well-known types from their JSON shapes, others as mappings. */
  Message message(Message.Builder b, JsonNode v, ConfigPath path) {
    Descriptor d = b.getDescriptorForType();
    switch (d.getFullName()) {
      case "google.protobuf.Duration":
        return duration(v, path);
      case "google.protobuf.Timestamp":
        return timestamp(v, path);
      case "google.protobuf.Struct":
        if (!v.isObject()) throw path.error("expected a mapping, got " + describe(v));
        return toValue(v).getStructValue();
      case "google.protobuf.Value":
        return toValue(v);
      case "google.protobuf.ListValue":
        if (!v.isArray()) throw path.error("expected a list, got " + describe(v));
        return toValue(v).getListValue();
      case "google.protobuf.Any":
        throw path.error("typed (Any) values are not supported here");
      default:
        if (d.getFullName().startsWith("google.protobuf.") && d.getFullName().endsWith("Value")) {
          // Wrapper types (UInt32Value, BoolValue, …): the bare scalar, as in proto JSON.
          FieldDescriptor inner = d.findFieldByName("value");
          b.setField(inner, single(b, inner, v, path));
          return b.build();
        }
        return mergeObject(b, v, path).build();
    }
  }

  static Duration duration(JsonNode v, ConfigPath path) {
    if (v.isObject()) {
      long seconds = 0;
      int nanos = 0;
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ConfigPath fp = path.field(e.getKey());
        switch (e.getKey()) {
          case "seconds" -> seconds = integer(e.getValue(), fp, Long.MIN_VALUE, Long.MAX_VALUE);
          case "nanos" -> nanos = (int) integer(e.getValue(), fp, -999_999_999, 999_999_999);
          default -> throw fp.error("unknown field (a duration has seconds and nanos)");
        }
      }
      return Duration.newBuilder().setSeconds(seconds).setNanos(nanos).build();
    }
    if (v.isTextual()) {
      Matcher m = DURATION.matcher(v.asText().trim());
      if (m.matches()) {
        BigDecimal amount = new BigDecimal(m.group(1));
        BigDecimal nanosTotal = amount.multiply(BigDecimal.valueOf(switch (m.group(2)) {
          case "ms" -> 1_000_000L;
          case "s" -> 1_000_000_000L;
          case "m" -> 60_000_000_000L;
          default -> 3_600_000_000_000L;
        }));
        try {
          BigInteger n = nanosTotal.toBigIntegerExact();
          BigInteger[] qr = n.divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
          return Duration.newBuilder().setSeconds(qr[0].longValueExact()).setNanos(qr[1].intValue()).build();
        } catch (ArithmeticException e) {
          throw path.error("duration " + v.asText() + " is out of range or finer than a nanosecond");
        }
      }
    }
    throw path.error("expected a duration like \"5s\" or \"0.25s\" (or {seconds, nanos}), got " + describe(v));
  }

  private static Timestamp timestamp(JsonNode v, ConfigPath path) {
    try {
      Instant i = Instant.parse(string(v, path));
      return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    } catch (DateTimeParseException e) {
      throw path.error("expected an RFC 3339 timestamp, got " + describe(v));
    }
  }

  /** Any JSON tree as a protobuf Value (for Struct-typed, free-form config). */
  static Value toValue(JsonNode v) {
    if (v == null || v.isNull()) return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    if (v.isBoolean()) return Value.newBuilder().setBoolValue(v.booleanValue()).build();
    if (v.isNumber()) return Value.newBuilder().setNumberValue(v.doubleValue()).build();
    if (v.isTextual()) return Value.newBuilder().setStringValue(v.textValue()).build();
    if (v.isArray()) {
      ListValue.Builder l = ListValue.newBuilder();
      v.forEach(x -> l.addValues(toValue(x)));
      return Value.newBuilder().setListValue(l).build();
    }
    Struct.Builder s = Struct.newBuilder();
    v.fields().forEachRemaining(e -> s.putFields(e.getKey(), toValue(e.getValue())));
    return Value.newBuilder().setStructValue(s).build();
  }

  static EnumValueDescriptor enumValue(EnumDescriptor ed, JsonNode v, ConfigPath path) {
    if (v.isTextual()) {
      EnumValueDescriptor e = ed.findValueByName(v.textValue());
      if (e != null) return e;
    } else if (v.isIntegralNumber()) {
      EnumValueDescriptor e = ed.findValueByNumber(v.intValue());
      if (e != null) return e;
    }
    throw path.error(
        "unknown value " + describe(v) + "; expected one of "
            + ed.getValues().stream().map(EnumValueDescriptor::getName).collect(Collectors.joining(", ")));
  }

  static String string(JsonNode v, ConfigPath path) {
    if (v.isTextual()) return v.textValue();
    // YAML turns `port: 80` or `version: 1.2` into numbers; strings accept plain scalars as written.
    if (v.isNumber() || v.isBoolean()) return v.asText();
    throw path.error("expected a string, got " + describe(v));
  }

  static boolean bool(JsonNode v, ConfigPath path) {
    if (v.isBoolean()) return v.booleanValue();
    if (v.isTextual() && (v.textValue().equals("true") || v.textValue().equals("false"))) {
      return Boolean.parseBoolean(v.textValue());
    }
    throw path.error("expected true or false, got " + describe(v));
  }

  static long integer(JsonNode v, ConfigPath path, long min, long max) {
    BigInteger n;
    if (v.isIntegralNumber()) {
      n = v.bigIntegerValue();
    } else if (v.isTextual() && v.textValue().trim().matches("-?\\d+")) {
      n = new BigInteger(v.textValue().trim());
    } else if (v.isFloatingPointNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0) {
      n = v.decimalValue().toBigInteger();
    } else {
      throw path.error("expected an integer, got " + describe(v));
    }
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      // uint64 max does not fit a long; such values are not meaningful in this config anyway.
      throw path.error("value " + n + " is out of range [" + min + ", " + max + "]");
    }
    return n.longValue();
  }

  static double number(JsonNode v, ConfigPath path) {
    if (v.isNumber()) return v.doubleValue();
    if (v.isTextual()) {
      try {
        return Double.parseDouble(v.textValue().trim());
      } catch (NumberFormatException e) {
        // fall through to the error
      }
    }
    throw path.error("expected a number, got " + describe(v));
  }

  private static ByteString bytes(JsonNode v, ConfigPath path) {
    if (v.isTextual()) {
      try {
        return ByteString.copyFrom(Base64.getMimeDecoder().decode(v.textValue()));
      } catch (IllegalArgumentException e) {
        throw path.error("expected base64 data: " + e.getMessage());
      }
    }
    throw path.error("expected base64 data, got " + describe(v));
  }

  private static Object mapKey(FieldDescriptor kf, String key, ConfigPath path) {
    return switch (kf.getJavaType()) {
      case STRING -> key;
      case BOOLEAN -> bool(com.fasterxml.jackson.databind.node.TextNode.valueOf(key), path);
      case INT -> (int) integer(com.fasterxml.jackson.databind.node.TextNode.valueOf(key), path,
          Integer.MIN_VALUE, 0xFFFF_FFFFL);
      case LONG -> integer(com.fasterxml.jackson.databind.node.TextNode.valueOf(key), path,
          Long.MIN_VALUE, Long.MAX_VALUE);
      default -> throw path.error("unsupported map key type");
    };
  }

  /** A short description of a node for type errors: its kind and, for scalars, its value. */
  static String describe(JsonNode v) {
    if (v == null || v.isNull()) return "null";
    if (v.isObject()) return "a mapping";
    if (v.isArray()) return "a list";
    if (v.isTextual()) return "\"" + v.textValue() + "\"";
    return v.asText();
  }

  /** " (did you mean "x"?)" when a field of {@code d} is close to {@code key}. */
  static String suggestion(String key, Descriptor d) {
    List<String> names = new ArrayList<>();
    d.getFields().forEach(f -> names.add(f.getName()));
    return suggestion(key, names);
  }

  static String suggestion(String key, Iterable<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int dist = levenshtein(key, c);
      if (dist < bestDistance) {
        best = c;
        bestDistance = dist;
      }
    }
    return best != null && bestDistance <= Math.max(1, key.length() / 4)
        ? " (did you mean \"" + best + "\"?)"
        : "";
  }

  private static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  static InvalidConfig error(ConfigPath path, String message) {
    return path.error(message);
  }
}
