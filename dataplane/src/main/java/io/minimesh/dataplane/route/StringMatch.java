package io.minimesh.dataplane.route;

import io.minimesh.api.xds.v1.StringMatcher;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Compiled string matchers shared by header, query and path matching. */
final class StringMatch {
  private StringMatch() {}

  static Pattern regex(String regex, String where) throws InvalidConfigException {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException(
          where + ": invalid regex \"" + regex + "\": " + e.getDescription());
    }
  }

  static Predicate<String> compile(StringMatcher m, String where) throws InvalidConfigException {
    boolean ic = m.getIgnoreCase();
    switch (m.getMatchPatternCase()) {
      case EXACT -> {
        String e = m.getExact();
        return ic ? v -> v.equalsIgnoreCase(e) : e::equals;
      }
      case PREFIX -> {
        String p = ic ? m.getPrefix().toLowerCase(Locale.ROOT) : m.getPrefix();
        return ic ? v -> v.toLowerCase(Locale.ROOT).startsWith(p) : v -> v.startsWith(p);
      }
      case SUFFIX -> {
        String s = ic ? m.getSuffix().toLowerCase(Locale.ROOT) : m.getSuffix();
        return ic ? v -> v.toLowerCase(Locale.ROOT).endsWith(s) : v -> v.endsWith(s);
      }
      case CONTAINS -> {
        String s = ic ? m.getContains().toLowerCase(Locale.ROOT) : m.getContains();
        return ic ? v -> v.toLowerCase(Locale.ROOT).contains(s) : v -> v.contains(s);
      }
      case SAFE_REGEX -> {
        Pattern p = regex(m.getSafeRegex().getRegex(), where + ".safe_regex");
        return v -> p.matcher(v).matches();
      }
      default -> throw new InvalidConfigException(where + ": a match pattern is required");
    }
  }
}
