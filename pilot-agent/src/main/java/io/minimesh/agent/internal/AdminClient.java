package io.minimesh.agent.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Plain HTTP/1.1 calls to the proxy's admin API (no h2c upgrade attempts). */
final class AdminClient {
  record Response(int status, String body) {}

  private final HttpClient client;
  private final String base;
  private final Duration timeout;

  AdminClient(String host, int port, Duration timeout) {
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
    this.base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    this.timeout = timeout;
  }

  String address() {
    return base.substring("http://".length());
  }

  Response get(String path) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET().build());
  }

  Response post(String path) throws IOException {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  /** Asks the proxy to drain gracefully; true when it said yes. */
  CompletableFuture<Boolean> drainListeners() {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/drain_listeners?graceful"))
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return client
        .sendAsync(req, HttpResponse.BodyHandlers.discarding())
        .thenApply(r -> r.statusCode() / 100 == 2)
        .exceptionally(e -> false);
  }

  private Response send(HttpRequest req) throws IOException {
    try {
      HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
