package io.minimesh.e2e.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A proxy's admin API (Envoy's endpoints; see docs/design/contracts.md). */
public final class ProxyAdmin {

  private final String base;

  public ProxyAdmin(String host, int port) {
    this.base = "http://" + host + ":" + port;
  }

  public String url(String path) {
    return base + path;
  }

  public HttpResult get(String path) {
    return Http.get(url(path));
  }

  public HttpResult post(String path) {
    return Http.send(Http.request(url(path)).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  public boolean ready() {
    return get("/ready").status() == 200;
  }

  /** {@code /stats} as name → value; lines whose value is not an integer (histograms) are left out. */
  public Map<String, Long> stats() {
    HttpResult r = get("/stats");
    if (r.status() != 200) {
      throw new AssertionError("GET " + url("/stats") + " → " + r.status() + ": " + r.body());
    }
    return parseStats(r.body());
  }

  /** One counter or gauge; 0 when the proxy does not list it (never incremented). */
  public long stat(String name) {
    return stats().getOrDefault(name, 0L);
  }

  public JsonNode configDump() {
    return get("/config_dump").json();
  }

  static Map<String, Long> parseStats(String text) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon <= 0) {
        continue;
      }
      try {
        out.put(line.substring(0, colon).trim(), Long.parseLong(line.substring(colon + 2).trim()));
      } catch (NumberFormatException e) {
        // histogram summaries and text values are not counters
      }
    }
    return Collections.unmodifiableMap(out);
  }
}
