package io.minimesh.e2e.harness;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;

/** How the harness knows a started process is ready: polled until true or the start deadline. */
@FunctionalInterface
public interface Readiness {

  boolean isReady(ProcessFixture process) throws Exception;

  default String describe() {
    return "readiness";
  }

  /** Ready as soon as started. */
  static Readiness none() {
    return new Readiness() {
      @Override
      public boolean isReady(ProcessFixture p) {
        return true;
      }

      @Override
      public String describe() {
        return "started";
      }
    };
  }

  /** Ready when GET url answers 200. */
  static Readiness httpOk(String url) {
    return new Readiness() {
      private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1)).build();

      @Override
      public boolean isReady(ProcessFixture p) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build();
        return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      }

      @Override
      public String describe() {
        return "GET " + url + " → 200";
      }
    };
  }

  /** Ready when host:port accepts TCP connections. */
  static Readiness tcp(String host, int port) {
    return new Readiness() {
      @Override
      public boolean isReady(ProcessFixture p) {
        return Ports.accepting(host, port);
      }

      @Override
      public String describe() {
        return "TCP " + host + ":" + port + " accepting";
      }
    };
  }

  /** Ready when the process log has a line matching regex (found anywhere in the line). */
  static Readiness logLine(String regex) {
    Pattern pattern = Pattern.compile(regex);
    return new Readiness() {
      @Override
      public boolean isReady(ProcessFixture p) {
        return p.findLogLine(pattern).isPresent();
      }

      @Override
      public String describe() {
        return "log line /" + regex + "/";
      }
    };
  }
}
