package io.minimesh.dataplane.http;

import java.util.Locale;

/** An HTTP/1.1 absolute-form request target ({@code http://host[:port]/path?query}), split for routing. */
record AbsoluteUri(String scheme, String authority, String pathAndQuery) {
  /** The parts of an absolute-form URI, or null when {@code uri} is origin form (or anything else). */
  static AbsoluteUri parse(String uri) {
    int sep = uri.indexOf("://");
    if (sep <= 0) return null;
    String scheme = uri.substring(0, sep).toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) return null;
    int start = sep + 3;
    int end = start;
    while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?' && uri.charAt(end) != '#') end++;
    String authority = uri.substring(start, end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) authority = authority.substring(at + 1); // userinfo is never forwarded
    if (authority.isEmpty()) return null;
    String rest = uri.substring(end);
    int frag = rest.indexOf('#');
    if (frag >= 0) rest = rest.substring(0, frag);
    if (rest.isEmpty() || rest.charAt(0) == '?') rest = "/" + rest;
    return new AbsoluteUri(scheme, authority, rest);
  }
}
