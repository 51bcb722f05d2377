package io.minimesh.agent.internal;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * A small HTTP server standing in for the proxy's admin API or an application: answers each path
 * with a canned status and body, records the requests it saw.
 */
final class FakeHttpServer implements AutoCloseable {
  record Reply(int status, String body) {}

  record Seen(String method, String pathAndQuery, Map<String, List<String>> headers) {}

  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final Map<String, Reply> replies = new ConcurrentHashMap<>();
  final List<Seen> requests = new CopyOnWriteArrayList<>();

  FakeHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(pool);
    server.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          String full = ex.getRequestURI().getRawQuery() == null
              ? path : path + "?" + ex.getRequestURI().getRawQuery();
          requests.add(new Seen(ex.getRequestMethod(), full, Map.copyOf(ex.getRequestHeaders())));
          Reply r = replies.getOrDefault(path, new Reply(404, "not found\n"));
          byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(r.status(), b.length == 0 ? -1 : b.length);
          if (b.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
              out.write(b);
            }
          }
          ex.close();
        });
    server.start();
  }

  FakeHttpServer reply(String path, int status, String body) {
    replies.put(path, new Reply(status, body));
    return this;
  }

  FakeHttpServer remove(String path) {
    replies.remove(path);
    return this;
  }

  int port() {
    return server.getAddress().getPort();
  }

  boolean saw(String method, String pathAndQuery) {
    return requests.stream().anyMatch(s -> s.method().equals(method) && s.pathAndQuery().equals(pathAndQuery));
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  /** The contract's /xds_status body for CDS and LDS counters. */
  static String xdsStatus(long cdsOk, long cdsRejected, String cdsError, long ldsOk, long ldsRejected,
      String ldsError) {
    return "{\"control_plane\":{\"address\":\"127.0.0.1:15010\",\"connected\":true},\"types\":["
        + type("CDS", "type.googleapis.com/minimesh.xds.v1.Cluster", cdsOk, cdsRejected, cdsError) + ","
        + type("LDS", "type.googleapis.com/minimesh.xds.v1.Listener", ldsOk, ldsRejected, ldsError) + ","
        + type("RDS", "type.googleapis.com/minimesh.xds.v1.RouteConfiguration", 0, 0, "")
        + "]}";
  }

  private static String type(String t, String url, long ok, long rej, String err) {
    return "{\"type\":\"" + t + "\",\"type_url\":\"" + url + "\",\"version\":\"v1\",\"update_success\":" + ok
        + ",\"update_rejected\":" + rej + ",\"last_error\":\"" + err.replace("\"", "\\\"")
        + "\",\"last_update\":\"2026-11-25T18:00:00Z\"}";
  }
}
