package io.minimesh.dataplane.upstream.lb;

import io.minimesh.api.xds.v1.HashPolicy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * A request's hash for RING_HASH and MAGLEV from a route's {@code hash_policy} list, like Envoy.
 *
 * <p>Each policy hashes one input with xxHash64 (seed 0, UTF-8 bytes, see {@link XxHash64}):
 * {@code header} (first value), {@code cookie} (value of the named cookie in the {@code cookie}
 * header), {@code connection_properties.source_ip} (the IP as text), {@code query_parameter}
 * (first value, as sent, not percent-decoded). A policy whose input is absent contributes
 * nothing. Results combine as {@code hash = rotl(hash, 1) ^ next}, so repeating a policy does not
 * cancel it out and the order matters. A {@code terminal} policy that produced a value ends the
 * list (a fallback chain: "by cookie, else by source IP").
 *
 * <p>Not done here: Envoy's cookie policy with a {@code ttl} generates the cookie when it is
 * missing and sets it on the response; we only hash a cookie the client sent.
 */
public final class HashPolicies {
  private HashPolicies() {}

  /**
   * @param header lower-case header name → its first value, or null. For HTTP/2 the caller should
   *     present multiple {@code cookie} headers joined with "; ".
   * @param path the request path including the query string
   * @param source the downstream peer address, may be null
   * @return the hash, or empty when no policy produced one (hash policies then pick randomly)
   */
  public static OptionalLong hash(List<HashPolicy> policies, Function<String, String> header,
      String path, InetSocketAddress source) {
    boolean has = false;
    long hash = 0;
    for (int i = 0, n = policies.size(); i < n; i++) {
      HashPolicy p = policies.get(i);
      String input = input(p, header, path, source);
      if (input == null) {
        continue;
      }
      long h = XxHash64.hash(input);
      hash = has ? Long.rotateLeft(hash, 1) ^ h : h;
      has = true;
      if (p.getTerminal()) {
        break;
      }
    }
    return has ? OptionalLong.of(hash) : OptionalLong.empty();
  }

  private static String input(HashPolicy p, Function<String, String> header, String path,
      InetSocketAddress source) {
    switch (p.getPolicySpecifierCase()) {
      case HEADER:
        return header.apply(p.getHeader().getHeaderName().toLowerCase(Locale.ROOT));
      case COOKIE:
        return cookie(header.apply("cookie"), p.getCookie().getName());
      case CONNECTION_PROPERTIES:
        if (!p.getConnectionProperties().getSourceIp() || source == null) {
          return null;
        }
        return source.getAddress() != null
            ? source.getAddress().getHostAddress()
            : source.getHostString();
      case QUERY_PARAMETER:
        return queryParameter(path, p.getQueryParameter().getName());
      default:
        return null;
    }
  }

  /** Value of cookie {@code name} in a Cookie header ("a=1; b=2"), surrounding quotes removed. */
  static String cookie(String cookieHeader, String name) {
    if (cookieHeader == null || name.isEmpty()) {
      return null;
    }
    int i = 0;
    int len = cookieHeader.length();
    while (i < len) {
      int end = cookieHeader.indexOf(';', i);
      if (end < 0) {
        end = len;
      }
      int eq = cookieHeader.indexOf('=', i);
      if (eq >= 0 && eq < end) {
        String k = cookieHeader.substring(i, eq).trim();
        if (k.equals(name)) {
          String v = cookieHeader.substring(eq + 1, end).trim();
          if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
            v = v.substring(1, v.length() - 1);
          }
          return v;
        }
      }
      i = end + 1;
    }
    return null;
  }

  /** First value of query parameter {@code name} ("" when present without '='), or null. */
  static String queryParameter(String path, String name) {
    if (path == null || name.isEmpty()) {
      return null;
    }
    int q = path.indexOf('?');
    if (q < 0) {
      return null;
    }
    int hashMark = path.indexOf('#', q);
    int len = hashMark < 0 ? path.length() : hashMark;
    int i = q + 1;
    while (i <= len) {
      int end = path.indexOf('&', i);
      if (end < 0 || end > len) {
        end = len;
      }
      int eq = path.indexOf('=', i);
      boolean hasValue = eq >= 0 && eq < end;
      String k = path.substring(i, hasValue ? eq : end);
      if (k.equals(name)) {
        return hasValue ? path.substring(eq + 1, end) : "";
      }
      i = end + 1;
    }
    return null;
  }
}
