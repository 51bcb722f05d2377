package io.minimesh.dataplane.logging;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The proxy's log levels, changeable at runtime ({@code -l/--log-level} at start, {@code POST
 * /logging} on the admin API). The proxy logs through SLF4J bound to java.util.logging, whose
 * levels can change while running. Envoy's component names ({@code http}, {@code upstream},
 * {@code router}, …) map to the packages that do that work; a dotted name is taken as a logger.
 */
public final class LogLevels {
  private static final String ROOT = "io.minimesh";

  /** Envoy's logger names → our loggers. */
  private static final Map<String, String> COMPONENTS = Map.ofEntries(
      Map.entry("admin", "io.minimesh.dataplane.admin"),
      Map.entry("config", "io.minimesh.dataplane.xds"),
      Map.entry("connection", "io.minimesh.dataplane.http"),
      Map.entry("http", "io.minimesh.dataplane.http"),
      Map.entry("http2", "io.minimesh.dataplane.http"),
      Map.entry("router", "io.minimesh.dataplane.route"),
      Map.entry("upstream", "io.minimesh.dataplane.upstream"),
      Map.entry("pool", "io.minimesh.dataplane.upstream"),
      Map.entry("hc", "io.minimesh.dataplane.upstream.health"),
      Map.entry("main", "io.minimesh.dataplane.runtime"),
      Map.entry("runtime", "io.minimesh.dataplane.runtime"),
      Map.entry("filter", "io.minimesh.dataplane.filter"),
      Map.entry("tcp", "io.minimesh.dataplane.tcp"),
      Map.entry("misc", "io.minimesh.dataplane"));

  // Loggers whose level was set are kept reachable here: JUL holds loggers weakly.
  private static final Map<String, Logger> PINNED = new java.util.concurrent.ConcurrentHashMap<>();

  /** Sends every log line to stderr with Envoy-like layout, at {@code level} for the proxy's code. */
  public static void init(String level, PrintStream err) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) root.removeHandler(h);
    Handler h = new ConsoleHandler() {
      {
        setOutputStream(err);
      }
    };
    h.setLevel(Level.ALL);
    h.setFormatter(new Formatter() {
      @Override
      public String format(LogRecord r) {
        String msg = formatMessage(r);
        String line = "[" + Instant.ofEpochMilli(r.getMillis()) + "][" + Thread.currentThread().getName() + "]["
            + envoyName(r.getLevel()) + "][" + shortName(r.getLoggerName()) + "] " + msg + "\n";
        if (r.getThrown() != null) {
          var sw = new java.io.StringWriter();
          r.getThrown().printStackTrace(new java.io.PrintWriter(sw));
          line += sw;
        }
        return line;
      }
    });
    root.addHandler(h);
    root.setLevel(Level.WARNING); // libraries (Netty, gRPC) stay quiet
    set("level", level);
  }

  /**
   * Sets {@code name}'s level: {@code level} (or {@code default}) for all of the proxy's loggers,
   * an Envoy component name, or a logger name.
   *
   * @throws IllegalArgumentException for an unknown level or logger name
   */
  public static void set(String name, String level) {
    Level l = parse(level);
    if (name.equals("level") || name.equals("default")) {
      PINNED.keySet().removeIf(n -> {
        Logger.getLogger(n).setLevel(null); // inherit the new default
        return true;
      });
      pin(ROOT).setLevel(l);
      return;
    }
    String logger = COMPONENTS.get(name);
    if (logger == null) {
      if (!name.contains(".")) throw new IllegalArgumentException("unknown logger \"" + name + "\"");
      logger = name;
    }
    pin(logger).setLevel(l);
  }

  /** Effective level of every Envoy component name, and of loggers set by name. */
  public static Map<String, String> levels() {
    Map<String, String> out = new TreeMap<>();
    for (var e : COMPONENTS.entrySet()) out.put(e.getKey(), envoyName(effective(Logger.getLogger(e.getValue()))));
    for (String n : PINNED.keySet()) {
      if (!COMPONENTS.containsValue(n) && !n.equals(ROOT)) out.put(n, envoyName(effective(Logger.getLogger(n))));
    }
    return out;
  }

  private static Logger pin(String name) {
    return PINNED.computeIfAbsent(name, Logger::getLogger);
  }

  private static Level effective(Logger l) {
    for (Logger x = l; x != null; x = x.getParent()) {
      if (x.getLevel() != null) return x.getLevel();
    }
    return Level.INFO;
  }

  public static Level parse(String level) {
    return switch (level.toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.FINEST;
      case "debug" -> Level.FINE;
      case "info" -> Level.INFO;
      case "warn", "warning" -> Level.WARNING;
      case "error", "critical" -> Level.SEVERE;
      case "off" -> Level.OFF;
      default -> throw new IllegalArgumentException("invalid log level \"" + level + "\"");
    };
  }

  static String envoyName(Level l) {
    if (l == Level.OFF) return "off";
    int v = l.intValue();
    if (v >= Level.SEVERE.intValue()) return "error";
    if (v >= Level.WARNING.intValue()) return "warning";
    if (v >= Level.INFO.intValue()) return "info";
    if (v >= Level.FINE.intValue()) return "debug";
    return "trace";
  }

  private static String shortName(String logger) {
    if (logger == null) return "";
    int i = logger.lastIndexOf('.');
    return i < 0 ? logger : logger.substring(i + 1);
  }

  private LogLevels() {}
}
