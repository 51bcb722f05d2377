package io.minimesh.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * HTTP calls from tests with the JDK client: HTTP/1.1, or h2c via {@code Upgrade} (the JDK cannot do
 * h2c prior knowledge: use {@link Curl} with {@code --http2-prior-knowledge}). The Host header may be
 * set (proxies route by it).
 */
public final class Http {

  static {
    // Must precede the first HttpClient; also set by e2e/pom.xml for the whole test JVM.
    if (System.getProperty("jdk.httpclient.allowRestrictedHeaders") == null) {
      System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection,content-length,expect,upgrade");
    }
  }

  private static final HttpClient HTTP1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  private static final HttpClient H2C = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
      .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();

  /** Default per-request timeout. */
  public static final Duration TIMEOUT = Duration.ofSeconds(20);

  private Http() {}

  public static HttpClient http1() {
    return HTTP1;
  }

  public static HttpClient h2cClient() {
    return H2C;
  }

  /** A request builder with the default timeout; headers as name, value pairs. */
  public static HttpRequest.Builder request(String url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
    if (headers.length % 2 != 0) {
      throw new IllegalArgumentException("headers must be name, value pairs");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  /** GET over HTTP/1.1. */
  public static HttpResult get(String url, String... headers) {
    return send(request(url, headers).GET().build());
  }

  /** POST of a text body over HTTP/1.1. */
  public static HttpResult post(String url, String body, String... headers) {
    return send(request(url, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** GET over h2c (Upgrade from HTTP/1.1). */
  public static HttpResult h2cGet(String url, String... headers) {
    return send(H2C, request(url, headers).GET().build());
  }

  public static HttpResult send(HttpRequest request) {
    return send(HTTP1, request);
  }

  public static HttpResult send(HttpClient client, HttpRequest request) {
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new HttpResult(r.statusCode(), r.headers(), r.body(), r.version());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + request.uri(), e);
    }
  }
}
