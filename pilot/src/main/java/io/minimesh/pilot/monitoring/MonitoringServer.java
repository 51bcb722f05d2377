package io.minimesh.pilot.monitoring;

import com.google.protobuf.Message;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.pilot.server.DiscoveryServer;
import io.minimesh.pilot.validation.ValidationMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Pilot's plain-HTTP monitoring port: /metrics (Prometheus), /ready, /debug/syncz, /debug/connections,
 * /debug/config_dump?proxyID=…, /debug/analyze (validation messages as text).
 */
public final class MonitoringServer implements AutoCloseable {
  private final HttpServer http;
  private final PilotMetrics metrics;
  private final DiscoveryServer xds;
  private final BooleanSupplier ready;

  public MonitoringServer(InetSocketAddress bind, PilotMetrics metrics, DiscoveryServer xds, BooleanSupplier ready) throws IOException {
    this.metrics = metrics;
    this.xds = xds;
    this.ready = ready;
    this.http = HttpServer.create(bind, 64);
    http.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "pilot-monitoring");
      t.setDaemon(true);
      return t;
    }));
    http.createContext("/", this::handle);
  }

  public void start() {
    http.start();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        send(ex, 405, "text/plain", "method not allowed\n");
        return;
      }
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/metrics", "/stats/prometheus" -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        case "/ready" -> {
          if (ready.getAsBoolean()) send(ex, 200, "text/plain", "ready\n");
          else send(ex, 503, "text/plain", "not ready\n");
        }
        case "/debug/syncz" -> send(ex, 200, "application/json", array(xds.syncz()));
        case "/debug/connections", "/debug/connectionz" -> send(ex, 200, "application/json", array(xds.connections()));
        case "/debug/config_dump" -> {
          String id = query(ex, "proxyID");
          if (id == null || id.isEmpty()) {
            send(ex, 400, "text/plain", "missing query parameter proxyID\n");
            return;
          }
          var dump = xds.configDump(id);
          if (dump.isEmpty()) send(ex, 404, "text/plain", "proxy not connected: " + id + "\n");
          else send(ex, 200, "application/json", JsonPrinter.print(dump.get().getConfigDump()) + "\n");
        }
        case "/debug/analyze" -> {
          StringBuilder sb = new StringBuilder();
          for (ValidationMessage m : xds.context().messages()) sb.append(m).append('\n');
          if (sb.length() == 0) sb.append("\u2714 No validation issues found.\n");
          send(ex, 200, "text/plain", sb.toString());
        }
        default -> send(ex, 404, "text/plain", "not found: " + path + "\n");
      }
    } catch (RuntimeException e) {
      send(ex, 500, "text/plain", "internal error: " + e.getMessage() + "\n");
    }
  }

  private static String array(List<? extends Message> items) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) sb.append(",\n");
      sb.append(JsonPrinter.print(items.get(i)));
    }
    return sb.append("]\n").toString();
  }

  private static String query(HttpExchange ex, String name) {
    String q = ex.getRequestURI().getRawQuery();
    if (q == null) return null;
    for (String kv : q.split("&")) {
      int eq = kv.indexOf('=');
      String k = eq < 0 ? kv : kv.substring(0, eq);
      if (k.equals(name)) return eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
    }
    return null;
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : b.length);
    if (!head) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(b);
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
