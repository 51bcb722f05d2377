package io.minimesh.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Application probes the injector rewrote to go through the agent ({@code /app-health/<container>/livez}
 * …), described like Istio's {@code ISTIO_KUBE_APP_PROBERS}: path → Kubernetes probe handler.
 * The agent runs as the proxy's UID, so its probe traffic is not captured by iptables.
 */
final class AppProbers {
  static final String ENV = "MINIMESH_KUBE_APP_PROBERS";
  static final String ISTIO_ENV = "ISTIO_KUBE_APP_PROBERS";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 10 * 1024;

  record Header(String name, String value) {}

  /** One rewritten probe: HTTP GET, or a TCP connect when {@code http} is false. */
  record Probe(
      boolean http, String scheme, String host, int port, String path, List<Header> headers,
      Duration timeout) {}

  record Result(int status, String body) {}

  private final Map<String, Probe> probes;
  private final String defaultHost;
  private volatile HttpClient plain;
  private volatile HttpClient insecureTls;

  AppProbers(Map<String, Probe> probes, String defaultHost) {
    this.probes = Map.copyOf(probes);
    this.defaultHost = defaultHost;
  }

  /** Reads the probers from the environment; a malformed value is an error naming the variable. */
  static AppProbers fromEnv(Env env, String defaultHost) {
    String name = env.get(ENV) != null ? ENV : ISTIO_ENV;
    String json = env.get(name);
    return new AppProbers(json == null ? Map.of() : parse(name, json), defaultHost);
  }

  static Map<String, Probe> parse(String source, String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + " must be a JSON object of path → probe");
    }
    Map<String, Probe> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      out.put(e.getKey(), probe(source + "[\"" + e.getKey() + "\"]", e.getValue()));
    }
    return out;
  }

  private static Probe probe(String where, JsonNode p) {
    Duration timeout = Duration.ofSeconds(Math.max(1, p.path("timeoutSeconds").asInt(1)));
    JsonNode http = p.get("httpGet");
    if (http != null) {
      List<Header> headers = new ArrayList<>();
      for (JsonNode h : http.path("httpHeaders")) {
        headers.add(new Header(h.path("name").asText(), h.path("value").asText()));
      }
      String scheme = http.path("scheme").asText("HTTP").toLowerCase();
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException(where + ".httpGet.scheme must be HTTP or HTTPS");
      }
      String path = http.path("path").asText("/");
      return new Probe(
          true, scheme, http.path("host").asText(""), port(where + ".httpGet.port", http.get("port")),
          path.startsWith("/") ? path : "/" + path, List.copyOf(headers), timeout);
    }
    JsonNode tcp = p.get("tcpSocket");
    if (tcp != null) {
      return new Probe(
          false, "tcp", tcp.path("host").asText(""), port(where + ".tcpSocket.port", tcp.get("port")),
          "", List.of(), timeout);
    }
    throw new IllegalArgumentException(where + ": expected httpGet or tcpSocket");
  }

  private static int port(String where, JsonNode n) {
    // Named ports are resolved by the injector; here only numbers make sense.
    if (n == null || !(n.isInt() || n.asText().matches("\\d+"))) {
      throw new IllegalArgumentException(where + " must be a port number, got " + n);
    }
    int port = n.asInt();
    Flags.port(where, port, false);
    return port;
  }

  boolean isEmpty() {
    return probes.isEmpty();
  }

  /** Runs the probe registered for the request path; null when there is none (404). */
  Result probe(String requestPath) {
    Probe p = probes.get(requestPath);
    if (p == null) {
      return null;
    }
    String host = p.host().isEmpty() ? defaultHost : p.host();
    return p.http() ? httpProbe(p, host) : tcpProbe(p, host);
  }

  private Result httpProbe(Probe p, String host) {
    String h = host.contains(":") ? "[" + host + "]" : host;
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(p.scheme() + "://" + h + ":" + p.port() + p.path()))
            .timeout(p.timeout())
            .GET()
            .header("User-Agent", "kube-probe/minimesh");
    for (Header header : p.headers()) {
      if (header.name().equalsIgnoreCase("host")) {
        continue; // the JDK client refuses to set Host; the target host stands
      }
      req.header(header.name(), header.value());
    }
    try {
      HttpResponse<byte[]> r =
          client(p.scheme()).send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = r.body();
      int n = Math.min(body.length, MAX_BODY);
      return new Result(r.statusCode(), new String(body, 0, n, java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(500, "Error: probe " + p.path() + " on port " + p.port() + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(500, "Error: interrupted");
    }
  }

  private Result tcpProbe(Probe p, String host) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, p.port()), (int) p.timeout().toMillis());
      return new Result(200, "");
    } catch (IOException e) {
      return new Result(500, "Error: tcp probe on port " + p.port() + " failed: " + e.getMessage());
    }
  }

  private HttpClient client(String scheme) {
    if (!scheme.equals("https")) {
      HttpClient c = plain;
      if (c == null) {
        // Created on first use: most agents never run an application probe.
        c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
        plain = c;
      }
      return c;
    }
    HttpClient c = insecureTls;
    if (c == null) {
      // Like the kubelet, HTTPS probes do not verify the application's certificate.
      try {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
        c = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      insecureTls = c;
    }
    return c;
  }

  private static final class TrustAll extends javax.net.ssl.X509ExtendedTrustManager
      implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(
        X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine) {}

    @Override
    public void checkServerTrusted(
        X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
