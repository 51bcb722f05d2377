package io.minimesh.dataplane.filter;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.util.Map;
import java.util.Set;

/**
 * Reads an Envoy filter config that arrived as a {@link Struct} (typed_config or
 * typed_per_filter_config without "@type"). Errors name the field path below the filter.
 */
public final class StructReader {
  private final Struct struct;
  private final String where;

  public StructReader(Struct struct, String where) {
    this.struct = struct;
    this.where = where;
  }

  public String where() {
    return where;
  }

  public String where(String field) {
    return where.isEmpty() ? field : where + "." + field;
  }

  /** Rejects fields outside {@code known}, naming the first unknown one. */
  public StructReader allow(Set<String> known) throws InvalidConfigException {
    for (String k : struct.getFieldsMap().keySet()) {
      if (!known.contains(k) && !k.equals("@type")) {
        throw new InvalidConfigException(where(k) + ": unknown field (supported: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
    return this;
  }

  public boolean has(String field) {
    return struct.containsFields(field);
  }

  public StructReader object(String field) throws InvalidConfigException {
    Value v = struct.getFieldsOrDefault(field, null);
    if (v == null) return new StructReader(Struct.getDefaultInstance(), where(field));
    if (!v.hasStructValue()) throw new InvalidConfigException(where(field) + ": an object is required");
    return new StructReader(v.getStructValue(), where(field));
  }

  public java.util.List<StructReader> objects(String field) throws InvalidConfigException {
    Value v = struct.getFieldsOrDefault(field, null);
    if (v == null) return java.util.List.of();
    if (!v.hasListValue()) throw new InvalidConfigException(where(field) + ": a list is required");
    java.util.List<StructReader> out = new java.util.ArrayList<>();
    for (int i = 0; i < v.getListValue().getValuesCount(); i++) {
      Value e = v.getListValue().getValues(i);
      if (!e.hasStructValue()) throw new InvalidConfigException(where(field) + "[" + i + "]: an object is required");
      out.add(new StructReader(e.getStructValue(), where(field) + "[" + i + "]"));
    }
    return out;
  }

  public String string(String field, String dflt) throws InvalidConfigException {
    Value v = struct.getFieldsOrDefault(field, null);
    if (v == null) return dflt;
    if (v.hasStringValue()) return v.getStringValue();
    if (v.hasBoolValue()) return Boolean.toString(v.getBoolValue());
    if (v.hasNumberValue()) return number(v.getNumberValue());
    throw new InvalidConfigException(where(field) + ": a string is required");
  }

  public boolean bool(String field, boolean dflt) throws InvalidConfigException {
    Value v = struct.getFieldsOrDefault(field, null);
    if (v == null) return dflt;
    if (v.hasBoolValue()) return v.getBoolValue();
    if (v.hasStringValue() && (v.getStringValue().equals("true") || v.getStringValue().equals("false"))) {
      return Boolean.parseBoolean(v.getStringValue());
    }
    throw new InvalidConfigException(where(field) + ": true or false is required");
  }

  /** A non-negative integer (numbers may arrive as strings, as in proto3 JSON). */
  public long integer(String field, long dflt, long max) throws InvalidConfigException {
    Value v = struct.getFieldsOrDefault(field, null);
    if (v == null) return dflt;
    double d;
    if (v.hasNumberValue()) {
      d = v.getNumberValue();
    } else if (v.hasStringValue()) {
      try {
        d = Double.parseDouble(v.getStringValue());
      } catch (NumberFormatException e) {
        throw new InvalidConfigException(where(field) + ": an integer is required, got \"" + v.getStringValue() + "\"");
      }
    } else if (v.hasStructValue() && v.getStructValue().containsFields("value")) {
      // A wrapper type (UInt32Value) written as {value: n}.
      return object(field).integer("value", dflt, max);
    } else {
      throw new InvalidConfigException(where(field) + ": an integer is required");
    }
    if (d != Math.rint(d) || d < 0 || d > max) {
      throw new InvalidConfigException(where(field) + ": must be an integer in [0, " + max + "], got " + number(d));
    }
    return (long) d;
  }

  /** A protobuf Duration in JSON form ("1.5s") or as {seconds, nanos}; in nanoseconds. */
  public long durationNanos(String field, long dflt) throws InvalidConfigException {
    Value v = struct.getFieldsOrDefault(field, null);
    if (v == null) return dflt;
    if (v.hasStructValue()) {
      StructReader o = object(field).allow(Set.of("seconds", "nanos"));
      return o.integer("seconds", 0, 315_576_000_000L) * 1_000_000_000L + o.integer("nanos", 0, 999_999_999);
    }
    String s = v.hasStringValue() ? v.getStringValue().trim() : null;
    if (s == null || !s.endsWith("s")) {
      throw new InvalidConfigException(where(field) + ": a duration like \"1s\" or \"0.25s\" is required");
    }
    try {
      java.math.BigDecimal secs = new java.math.BigDecimal(s.substring(0, s.length() - 1));
      if (secs.signum() < 0) throw new InvalidConfigException(where(field) + ": must not be negative");
      return secs.movePointRight(9).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new InvalidConfigException(where(field) + ": invalid duration \"" + s + "\"");
    }
  }

  /**
   * Envoy's FractionalPercent {numerator, denominator: HUNDRED|TEN_THOUSAND|MILLION} (or a
   * RuntimeFractionalPercent {default_value: …}) as a percent in [0, 100].
   */
  public double percent(String field, double dflt) throws InvalidConfigException {
    if (!has(field)) return dflt;
    StructReader o = object(field);
    if (o.has("default_value")) {
      o.allow(Set.of("default_value", "runtime_key"));
      return o.percent("default_value", 0);
    }
    o.allow(Set.of("numerator", "denominator"));
    long num = o.integer("numerator", 0, 0xFFFF_FFFFL);
    double den =
        switch (o.string("denominator", "HUNDRED")) {
          case "HUNDRED", "0" -> 100;
          case "TEN_THOUSAND", "1" -> 10_000;
          case "MILLION", "2" -> 1_000_000;
          default -> throw new InvalidConfigException(
              o.where("denominator") + ": unknown value \"" + o.string("denominator", "") + "\"; expected one of HUNDRED, TEN_THOUSAND, MILLION");
        };
    return Math.min(100.0, num * 100.0 / den);
  }

  public Map<String, Value> fields() {
    return struct.getFieldsMap();
  }

  private static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
