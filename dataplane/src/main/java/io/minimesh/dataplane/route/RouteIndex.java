package io.minimesh.dataplane.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds a virtual host's first matching route without scanning all of them. Envoy evaluates routes
 * in order and the first match wins; this index only narrows the scan to the routes whose path
 * part can match the request's path (exact paths by hash, prefixes by a character trie, both also
 * case-folded), plus routes it cannot index (regex). Each candidate is then checked in route order
 * with the route's full matcher (headers, query, gRPC), so the answer is exactly the linear scan's.
 */
final class RouteIndex {
  /** Below this many routes a plain scan is as fast. */
  static final int MIN_ROUTES = 8;

  private static final int[] NONE = new int[0];

  private final List<RouteTable.Route> routes;
  private final int[] always;
  private final Map<String, int[]> exact;
  private final Map<String, int[]> exactFolded;
  private final Node prefixes;
  private final Node foldedPrefixes;

  private RouteIndex(List<RouteTable.Route> routes) {
    this.routes = routes;
    List<Integer> alwaysList = new ArrayList<>();
    Map<String, List<Integer>> ex = new HashMap<>();
    Map<String, List<Integer>> exF = new HashMap<>();
    Builder pre = new Builder();
    Builder preF = new Builder();
    for (int i = 0; i < routes.size(); i++) {
      RouteTable.Route r = routes.get(i);
      boolean indexable = r.pathKind != 2 && (r.caseSensitive || !hasSurrogate(r.pathValue));
      if (!indexable) {
        alwaysList.add(i);
      } else if (r.pathKind == 1) {
        (r.caseSensitive ? ex : exF).computeIfAbsent(r.caseSensitive ? r.pathValue : fold(r.pathValue),
            k -> new ArrayList<>()).add(i);
      } else if (r.caseSensitive) {
        pre.add(r.pathValue, i);
      } else {
        preF.add(fold(r.pathValue), i);
      }
    }
    this.always = ints(alwaysList);
    this.exact = freeze(ex);
    this.exactFolded = freeze(exF);
    this.prefixes = pre.root;
    this.foldedPrefixes = preF.root;
  }

  /** An index for {@code routes}, or null when a scan is as good. */
  static RouteIndex of(List<RouteTable.Route> routes) {
    return routes.size() < MIN_ROUTES ? null : new RouteIndex(routes);
  }

  /** The first route (in configuration order) that matches {@code r}, or null. */
  RouteTable.Route first(RouteTable.Request r) {
    String pq = r.pathAndQuery();
    int q = pq.indexOf('?');
    String path = q < 0 ? pq : pq.substring(0, q);
    if (hasSurrogate(path)) return scan(r); // case folding of code points: leave it to the matchers
    Candidates c = new Candidates();
    c.addAll(always);
    c.addAll(exact.getOrDefault(path, NONE));
    if (!exactFolded.isEmpty()) c.addAll(exactFolded.getOrDefault(fold(path), NONE));
    prefixes.collect(path, false, c);
    foldedPrefixes.collect(path, true, c);
    int[] ids = c.sorted();
    int prev = -1;
    for (int i = 0; i < c.size; i++) {
      int id = ids[i];
      if (id == prev) continue;
      prev = id;
      RouteTable.Route route = routes.get(id);
      if (route.matches(r)) return route;
    }
    return null;
  }

  private RouteTable.Route scan(RouteTable.Request r) {
    for (RouteTable.Route route : routes) {
      if (route.matches(r)) return route;
    }
    return null;
  }

  /**
   * Case folding as String.regionMatches(ignoreCase) compares characters: two chars are equal
   * ignoring case exactly when their folds are equal (surrogates excepted; see callers).
   */
  static char fold(char c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    return Character.toLowerCase(Character.toUpperCase(c));
  }

  static String fold(String s) {
    char[] out = new char[s.length()];
    for (int i = 0; i < out.length; i++) out[i] = fold(s.charAt(i));
    return new String(out);
  }

  static boolean hasSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isSurrogate(s.charAt(i))) return true;
    }
    return false;
  }

  private static int[] ints(List<Integer> l) {
    int[] a = new int[l.size()];
    for (int i = 0; i < a.length; i++) a[i] = l.get(i);
    return a;
  }

  private static Map<String, int[]> freeze(Map<String, List<Integer>> m) {
    Map<String, int[]> out = new HashMap<>(Math.max(4, m.size() * 2));
    m.forEach((k, v) -> out.put(k, ints(v)));
    return out;
  }

  /** Route ids gathered for one request (a few, usually). */
  private static final class Candidates {
    int[] ids = new int[8];
    int size;

    void addAll(int[] more) {
      if (more.length == 0) return;
      if (size + more.length > ids.length) ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + more.length));
      System.arraycopy(more, 0, ids, size, more.length);
      size += more.length;
    }

    int[] sorted() {
      Arrays.sort(ids, 0, size);
      return ids;
    }
  }

  /** A trie node: children by next character (sorted), and the routes whose prefix ends here. */
  private static final class Node {
    char[] keys = new char[0];
    Node[] kids = new Node[0];
    int[] ids = NONE;

    Node child(char c) {
      int i = Arrays.binarySearch(keys, c);
      return i >= 0 ? kids[i] : null;
    }

    /** Adds the routes of every prefix of {@code path} (the empty prefix included). */
    void collect(String path, boolean folded, Candidates out) {
      Node n = this;
      int i = 0;
      while (true) {
        out.addAll(n.ids);
        if (i == path.length() || n.keys.length == 0) return;
        char c = path.charAt(i++);
        n = n.child(folded ? fold(c) : c);
        if (n == null) return;
      }
    }
  }

  private static final class Builder {
    final Node root = new Node();

    void add(String key, int id) {
      Node n = root;
      for (int i = 0; i < key.length(); i++) {
        char c = key.charAt(i);
        int at = Arrays.binarySearch(n.keys, c);
        if (at < 0) {
          at = -at - 1;
          Node kid = new Node();
          char[] keys = new char[n.keys.length + 1];
          Node[] kids = new Node[n.kids.length + 1];
          System.arraycopy(n.keys, 0, keys, 0, at);
          System.arraycopy(n.kids, 0, kids, 0, at);
          keys[at] = c;
          kids[at] = kid;
          System.arraycopy(n.keys, at, keys, at + 1, n.keys.length - at);
          System.arraycopy(n.kids, at, kids, at + 1, n.kids.length - at);
          n.keys = keys;
          n.kids = kids;
        }
        n = n.kids[at];
      }
      int[] ids = Arrays.copyOf(n.ids, n.ids.length + 1);
      ids[ids.length - 1] = id;
      n.ids = ids;
    }
  }
}
