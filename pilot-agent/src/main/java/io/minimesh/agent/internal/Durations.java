package io.minimesh.agent.internal;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Go-style durations as Istio's flags take them: {@code 500ms}, {@code 5s}, {@code 1m30s}, {@code 2h}. */
final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  static Duration parse(String text) {
    String s = text == null ? "" : text.trim();
    if (s.matches("\\d+")) {
      // A bare number means seconds, like Envoy's --drain-time-s.
      return Duration.ofSeconds(Long.parseLong(s));
    }
    Matcher m = PART.matcher(s);
    int pos = 0;
    Duration total = Duration.ZERO;
    while (pos < s.length() && m.find(pos) && m.start() == pos) {
      double v = Double.parseDouble(m.group(1));
      long unitMillis =
          switch (m.group(2)) {
            case "ms" -> 1L;
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            default -> 3_600_000L;
          };
      total = total.plusMillis(Math.round(v * unitMillis));
      pos = m.end();
    }
    if (s.isEmpty() || pos != s.length()) {
      throw new IllegalArgumentException(
          "invalid duration \"" + text + "\": expected e.g. 500ms, 5s, 1m30s, 2h");
    }
    return total;
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    return (ms / 1000) + "s";
  }

  /** Picocli converter. */
  static final class Converter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  private Durations() {}
}
