package io.minimesh.agent.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** {@code pilot-agent wait}: polls {@code /healthz/ready} until 200 or the timeout. */
final class ReadyWaiter {
  /** Pauses between polls; tests pass one that advances their clock instead of sleeping. */
  interface Pauser {
    void pause(Duration d) throws InterruptedException;
  }

  interface Ticker {
    long nanoTime();
  }

  record Outcome(boolean ready, int attempts, String lastReason) {}

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final URI uri;
  private final Duration period;
  private final Duration requestTimeout;
  private final Ticker ticker;
  private final Pauser pauser;

  ReadyWaiter(
      String host, int port, Duration period, Duration requestTimeout, Ticker ticker, Pauser pauser) {
    String h = host.contains(":") ? "[" + host + "]" : host;
    this.uri = URI.create("http://" + h + ":" + port + "/healthz/ready");
    this.period = period;
    this.requestTimeout = requestTimeout;
    this.ticker = ticker;
    this.pauser = pauser;
  }

  Outcome await(Duration timeout) throws InterruptedException {
    long deadline = ticker.nanoTime() + timeout.toNanos();
    String reason = "no answer from " + uri;
    int attempts = 0;
    while (true) {
      attempts++;
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(uri).timeout(requestTimeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return new Outcome(true, attempts, "");
        }
        String body = r.body() == null ? "" : r.body().trim();
        reason = body.isEmpty() ? "HTTP " + r.statusCode() : body;
      } catch (ConnectException e) {
        reason = "connection refused by " + uri.getHost() + ":" + uri.getPort() + " (is the agent running?)";
      } catch (HttpTimeoutException e) {
        reason = "request to " + uri + " timed out";
      } catch (IOException e) {
        reason = "request to " + uri + " failed: " + e.getMessage();
      }
      if (ticker.nanoTime() >= deadline) {
        return new Outcome(false, attempts, reason);
      }
      pauser.pause(period);
    }
  }
}
