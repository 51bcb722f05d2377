package io.minimesh.meshctl;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.ConfigDump;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A proxy admin API on a real loopback HTTP server, serving what the contract says the proxy serves. */
final class FakeAdmin implements AutoCloseable {
  volatile ConfigDump dump = ConfigDump.getDefaultInstance();
  volatile String clustersJson = "{\"cluster_statuses\":[]}";
  volatile String serverInfo = "{\"version\":\"0.1.0-SNAPSHOT\",\"state\":\"LIVE\"}";
  final List<String> requests = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  FakeAdmin() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String query = ex.getRequestURI().getRawQuery();
    String method = ex.getRequestMethod();
    requests.add(method + " " + path + (query == null ? "" : "?" + query));
    int status = 200;
    String body;
    switch (method + " " + path) {
      case "GET /config_dump" -> body = JsonPrinter.print(dump);
      case "GET /clusters" -> body = clustersJson;
      case "GET /server_info" -> body = serverInfo;
      case "POST /logging" ->
          body = "active loggers:\n  admin: " + (query == null ? "info" : query.replaceAll(".*=", "")) + "\n  http: info\n";
      default -> {
        status = 404;
        body = "invalid path: " + path + "\n";
      }
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
