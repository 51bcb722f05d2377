package io.minimesh.e2e.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.util.Optional;

/** A received HTTP response with its body as text. */
public record HttpResult(int status, HttpHeaders headers, String body, HttpClient.Version version) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public Optional<String> header(String name) {
    return headers.firstValue(name);
  }

  /** The body parsed as JSON (AssertionError showing the body if it is not JSON). */
  public JsonNode json() {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new AssertionError("response body is not JSON (status " + status + "): " + body, e);
    }
  }

  @Override
  public String toString() {
    return status + " " + version + " " + headers.map() + "\n" + body;
  }
}
