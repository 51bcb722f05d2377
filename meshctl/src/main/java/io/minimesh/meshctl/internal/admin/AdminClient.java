package io.minimesh.meshctl.internal.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.meshctl.MeshctlException;
import io.minimesh.meshctl.internal.output.Json;
import io.minimesh.meshctl.internal.views.ConfigDumps;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** The proxy's Envoy-style admin API over HTTP/1.1. */
public final class AdminClient {
  private final String address;
  private final Duration timeout;
  private final HttpClient http;

  public AdminClient(String address, Duration timeout) {
    this.address = address;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  public String address() {
    return address;
  }

  public ConfigDump configDump() {
    return ConfigDumps.parse(get("/config_dump"), "config dump from " + address);
  }

  /** Envoy's {@code /clusters?format=json}: {"cluster_statuses":[…]}. */
  public JsonNode clusters() {
    return Json.parse(get("/clusters?format=json"));
  }

  public JsonNode serverInfo() {
    return Json.parse(get("/server_info"));
  }

  /** {@code POST /logging[?query]}; returns the proxy's answer (the loggers and their levels). */
  public String logging(String query) {
    return send("POST", "/logging" + (query.isEmpty() ? "" : "?" + query));
  }

  public String get(String pathAndQuery) {
    return send("GET", pathAndQuery);
  }

  private String send(String method, String pathAndQuery) {
    URI uri = URI.create("http://" + address + pathAndQuery);
    HttpRequest req =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<String> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new MeshctlException(
          "proxy admin API at " + address + " did not answer " + method + " " + pathAndQuery
              + " within " + timeout.toMillis() + "ms");
    } catch (ConnectException e) {
      throw new MeshctlException(
          "cannot reach the proxy admin API at " + address + " (is the proxy running? set --admin-address HOST:PORT)");
    } catch (IOException e) {
      throw new MeshctlException(
          "proxy admin API at " + address + " failed on " + method + " " + pathAndQuery + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MeshctlException("interrupted");
    }
    if (resp.statusCode() / 100 != 2) {
      String body = resp.body().strip();
      throw new MeshctlException(
          "proxy admin API at " + address + " answered " + resp.statusCode() + " to " + method + " "
              + pathAndQuery + (body.isEmpty() ? "" : ": " + firstLine(body)));
    }
    return resp.body();
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
