package io.minimesh.agent.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoints, served on the status port (15021) and the metrics port (15020):
 * {@code /healthz/ready}, {@code /app-health/...}, {@code /stats/prometheus} and
 * {@code POST /quitquitquit}. Handlers block on the admin API, so they run on their own small pool.
 */
final class StatusServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService pool;
  private final Supplier<Readiness> readiness;
  private final AppProbers probers;
  private final Supplier<String> metrics;
  private final Runnable quit;

  StatusServer(
      String bindIp,
      int port,
      Supplier<Readiness> readiness,
      AppProbers probers,
      Supplier<String> metrics,
      Runnable quit)
      throws IOException {
    this.readiness = readiness;
    this.probers = probers;
    this.metrics = metrics;
    this.quit = quit;
    try {
      this.server = HttpServer.create(new InetSocketAddress(bindIp, port), 64);
    } catch (IOException e) {
      throw new IOException("cannot listen on " + bindIp + ":" + port + ": " + e.getMessage(), e);
    }
    this.pool =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "agent-http-" + port);
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getPath();
      boolean get = method.equals("GET") || method.equals("HEAD");
      if (path.equals("/healthz/ready")) {
        if (!get) {
          reply(ex, 405, "method not allowed\n");
          return;
        }
        Readiness r = readiness.get();
        reply(ex, r.ready() ? 200 : 503, r.ready() ? "" : r.reason() + "\n");
      } else if (path.startsWith("/app-health/")) {
        if (!get) {
          reply(ex, 405, "method not allowed\n");
          return;
        }
        AppProbers.Result r = probers.probe(path);
        if (r == null) {
          reply(ex, 404, "no application probe registered for " + path + "\n");
        } else {
          reply(ex, r.status(), r.body());
        }
      } else if (path.equals("/stats/prometheus")) {
        if (!get) {
          reply(ex, 405, "method not allowed\n");
          return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        reply(ex, 200, metrics.get());
      } else if (path.equals("/quitquitquit")) {
        if (!method.equals("POST")) {
          reply(ex, 405, "method not allowed\n");
          return;
        }
        // Only local callers (the application's own container) may stop the sidecar.
        if (!ex.getRemoteAddress().getAddress().isLoopbackAddress()) {
          reply(ex, 403, "only loopback callers may quit the agent\n");
          return;
        }
        reply(ex, 200, "OK\n");
        quit.run();
      } else {
        reply(ex, 404, "not found: " + path + "\n");
      }
    } catch (RuntimeException e) {
      reply(ex, 500, "internal error: " + e + "\n");
    } finally {
      ex.close();
    }
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (!ex.getResponseHeaders().containsKey("Content-Type")) {
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    }
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head || bytes.length == 0 ? -1 : bytes.length);
    if (!head && bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
