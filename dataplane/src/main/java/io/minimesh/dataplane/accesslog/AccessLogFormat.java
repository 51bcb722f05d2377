package io.minimesh.dataplane.accesslog;

import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** A compiled Envoy access-log format string ({@code %REQ(X)%}, {@code %RESPONSE_CODE%}, ...). */
public final class AccessLogFormat {
  /** Envoy's default text format. */
  public static final String DEFAULT =
      "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE%"
          + " %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%"
          + " \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\""
          + " \"%UPSTREAM_HOST%\"\n";

  private static final DateTimeFormatter START =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final List<Function<AccessLogEntry, String>> parts;
  private final Map<String, AccessLogFormat> json; // non-null for JSON logs

  private AccessLogFormat(List<Function<AccessLogEntry, String>> parts, Map<String, AccessLogFormat> json) {
    this.parts = parts;
    this.json = json;
  }

  public static AccessLogFormat text(String format) throws InvalidConfigException {
    return new AccessLogFormat(parse(format.isEmpty() ? DEFAULT : format), null);
  }

  public static AccessLogFormat json(Map<String, String> fields) throws InvalidConfigException {
    Map<String, AccessLogFormat> m = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(fields).entrySet()) {
      m.put(e.getKey(), new AccessLogFormat(parse(e.getValue()), null));
    }
    return new AccessLogFormat(List.of(), m);
  }

  public String format(AccessLogEntry e) {
    if (json != null) {
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<String, AccessLogFormat> f : json.entrySet()) {
        if (!first) sb.append(',');
        first = false;
        sb.append('"').append(escape(f.getKey())).append("\":");
        String v = f.getValue().format(e);
        if (v.equals("-")) sb.append("null");
        else sb.append('"').append(escape(v)).append('"');
      }
      return sb.append("}\n").toString();
    }
    StringBuilder sb = new StringBuilder();
    for (Function<AccessLogEntry, String> p : parts) sb.append(p.apply(e));
    return sb.toString();
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    return sb.toString();
  }

  private static List<Function<AccessLogEntry, String>> parse(String f) throws InvalidConfigException {
    List<Function<AccessLogEntry, String>> out = new ArrayList<>();
    int i = 0;
    StringBuilder lit = new StringBuilder();
    while (i < f.length()) {
      char c = f.charAt(i);
      if (c != '%') {
        lit.append(c);
        i++;
        continue;
      }
      if (i + 1 < f.length() && f.charAt(i + 1) == '%') {
        lit.append('%');
        i += 2;
        continue;
      }
      int end = f.indexOf('%', i + 1);
      if (end < 0) throw new InvalidConfigException("format: unterminated command at offset " + i);
      if (lit.length() > 0) {
        String l = lit.toString();
        out.add(e -> l);
        lit.setLength(0);
      }
      out.add(command(f.substring(i + 1, end)));
      i = end + 1;
    }
    if (lit.length() > 0) {
      String l = lit.toString();
      out.add(e -> l);
    }
    return List.copyOf(out);
  }

  private static String dash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  private static Function<AccessLogEntry, String> command(String cmd) throws InvalidConfigException {
    // Optional ":N" max length suffix after a closing paren.
    int maxLen = -1;
    int close = cmd.lastIndexOf(')');
    if (close >= 0 && close + 1 < cmd.length() && cmd.charAt(close + 1) == ':') {
      try {
        maxLen = Integer.parseInt(cmd.substring(close + 2));
      } catch (NumberFormatException ex) {
        throw new InvalidConfigException("format: bad length in %" + cmd + "%");
      }
      cmd = cmd.substring(0, close + 1);
    }
    Function<AccessLogEntry, String> fn = baseCommand(cmd);
    if (maxLen < 0) return fn;
    int ml = maxLen;
    return e -> {
      String v = fn.apply(e);
      return v.length() > ml ? v.substring(0, ml) : v;
    };
  }

  private static Function<AccessLogEntry, String> baseCommand(String cmd) throws InvalidConfigException {
    if (cmd.startsWith("REQ(") && cmd.endsWith(")")) {
      return headerCmd(cmd.substring(4, cmd.length() - 1), true);
    }
    if (cmd.startsWith("RESP(") && cmd.endsWith(")")) {
      return headerCmd(cmd.substring(5, cmd.length() - 1), false);
    }
    if (cmd.startsWith("TRAILER(") && cmd.endsWith(")")) {
      String n = cmd.substring(8, cmd.length() - 1).toLowerCase(Locale.ROOT);
      return e -> dash(e.responseTrailers() == null ? null : e.responseTrailers().get(n));
    }
    if (cmd.startsWith("START_TIME")) {
      return e -> START.format(Instant.ofEpochMilli(e.startEpochMillis()));
    }
    return switch (cmd) {
      case "PROTOCOL" -> e -> dash(e.protocol());
      case "RESPONSE_CODE" -> e -> Integer.toString(e.responseCode());
      case "RESPONSE_FLAGS" -> e -> dash(e.responseFlags());
      case "RESPONSE_CODE_DETAILS" -> e -> dash(e.responseCodeDetails());
      case "BYTES_RECEIVED" -> e -> Long.toString(e.bytesReceived());
      case "BYTES_SENT" -> e -> Long.toString(e.bytesSent());
      case "DURATION" -> e -> Long.toString(e.durationMs());
      case "UPSTREAM_HOST" -> e -> dash(e.upstreamHost());
      case "UPSTREAM_CLUSTER" -> e -> dash(e.upstreamCluster());
      case "DOWNSTREAM_REMOTE_ADDRESS" -> e -> dash(e.downstreamRemoteAddress());
      case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" -> e -> dash(stripPort(e.downstreamRemoteAddress()));
      case "DOWNSTREAM_LOCAL_ADDRESS" -> e -> dash(e.downstreamLocalAddress());
      case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" -> e -> dash(stripPort(e.downstreamLocalAddress()));
      case "ROUTE_NAME" -> e -> dash(e.routeName());
      case "REQUEST_DURATION", "RESPONSE_DURATION" -> e -> Long.toString(e.durationMs());
      case "UPSTREAM_SERVICE_TIME" -> e -> e.upstreamServiceTimeMs() < 0 ? "-" : Long.toString(e.upstreamServiceTimeMs());
      case "UPSTREAM_TRANSPORT_FAILURE_REASON", "UPSTREAM_LOCAL_ADDRESS", "CONNECTION_TERMINATION_DETAILS",
          "REQUESTED_SERVER_NAME", "DOWNSTREAM_PEER_URI_SAN", "DOWNSTREAM_LOCAL_URI_SAN" -> e -> "-";
      case "HOSTNAME" -> {
        String h = hostname();
        yield e -> h;
      }
      default -> throw new InvalidConfigException("format: unsupported command %" + cmd + "%");
    };
  }

  private static String hostname() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "-";
    }
  }

  private static String stripPort(String a) {
    if (a == null) return null;
    int c = a.lastIndexOf(':');
    return c > 0 ? a.substring(0, c) : a;
  }

  private static Function<AccessLogEntry, String> headerCmd(String spec, boolean request) {
    String main = spec;
    String alt = null;
    int q = spec.indexOf('?');
    if (q >= 0) {
      main = spec.substring(0, q);
      alt = spec.substring(q + 1);
    }
    Function<AccessLogEntry, String> m = headerLookup(main.toLowerCase(Locale.ROOT), request);
    if (alt == null) return e -> dash(m.apply(e));
    Function<AccessLogEntry, String> a = headerLookup(alt.toLowerCase(Locale.ROOT), request);
    return e -> {
      String v = m.apply(e);
      return dash(v != null ? v : a.apply(e));
    };
  }

  private static Function<AccessLogEntry, String> headerLookup(String name, boolean request) {
    if (request) {
      return switch (name) {
        case ":method" -> AccessLogEntry::method;
        case ":path" -> AccessLogEntry::path;
        case ":authority" -> AccessLogEntry::authority;
        default -> e -> get(e.requestHeaders(), name);
      };
    }
    return e -> get(e.responseHeaders(), name);
  }

  private static String get(HttpHeaders h, String name) {
    return h == null ? null : h.get(name);
  }
}
