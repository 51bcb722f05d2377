package io.minimesh.pilot.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * HTTPS on 15017 for the API server's admission calls: POST /inject, POST /validate (AdmissionReview
 * JSON), GET /ready. Bodies over 4 MiB (the API server's own request limit is 3 MiB) get 413.
 */
public final class WebhookServer implements AutoCloseable {
  static final int MAX_BODY = 4 << 20;

  private final HttpsServer server;
  private final ExecutorService pool;
  private final AdmissionHandler handler;

  public WebhookServer(InetSocketAddress bind, WebhookCerts certs, AdmissionHandler handler) throws IOException {
    this.handler = handler;
    this.server = HttpsServer.create(bind, 128);
    server.setHttpsConfigurator(new HttpsConfigurator(certs.sslContext()));
    this.pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "webhook");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
  }

  public WebhookServer start() {
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/ready")) {
        reply(ex, new AdmissionHandler.Reply(200, "text/plain", "ok\n"));
        return;
      }
      if (!path.equals("/inject") && !path.equals("/validate")) {
        reply(ex, AdmissionHandler.Reply.error(404, "no webhook at " + path + " (use /inject or /validate)"));
        return;
      }
      if (!ex.getRequestMethod().equals("POST")) {
        ex.getResponseHeaders().set("Allow", "POST");
        reply(ex, AdmissionHandler.Reply.error(405, "method " + ex.getRequestMethod() + " not allowed: POST an AdmissionReview"));
        return;
      }
      String ct = ex.getRequestHeaders().getFirst("Content-Type");
      if (ct != null && !ct.toLowerCase().startsWith("application/json")) {
        reply(ex, AdmissionHandler.Reply.error(415, "Content-Type must be application/json, got " + ct));
        return;
      }
      byte[] body = readLimited(ex.getRequestBody());
      if (body == null) {
        reply(ex, AdmissionHandler.Reply.error(413, "request body larger than " + MAX_BODY + " bytes"));
        return;
      }
      reply(ex, handler.handle(path, body));
    } catch (RuntimeException e) {
      reply(ex, AdmissionHandler.Reply.error(500, "internal error: " + e));
    }
  }

  private static byte[] readLimited(InputStream in) throws IOException {
    byte[] b = in.readNBytes(MAX_BODY + 1);
    return b.length > MAX_BODY ? null : b;
  }

  private static void reply(HttpExchange ex, AdmissionHandler.Reply r) throws IOException {
    byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", r.contentType());
    ex.sendResponseHeaders(r.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
