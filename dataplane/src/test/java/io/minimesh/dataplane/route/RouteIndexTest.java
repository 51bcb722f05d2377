package io.minimesh.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.v1.HeaderMatcher;
import io.minimesh.api.xds.v1.QueryParameterMatcher;
import io.minimesh.api.xds.v1.RegexMatcher;
import io.minimesh.api.xds.v1.RouteAction;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.VirtualHost;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The route index must pick exactly the route a linear scan in configuration order picks (Envoy's
 * first-match-wins), for any table: prefixes and exact paths, case-insensitive ones (including
 * characters whose case folding is not ASCII), regexes, header, query and gRPC conditions.
 */
class RouteIndexTest {
  record Req(String authority, String method, String pathAndQuery, HttpHeaders headers, String scheme)
      implements RouteTable.Request {}

  // Few distinct characters so that random paths and routes overlap often; 'K' (Kelvin sign),
  // 'ſ' (long s) and 'İ' fold onto ASCII letters or expand, a surrogate pair has no simple fold.
  static final String[] PIECES = {"/", "/", "a", "A", "b", "B", "k", "\u212A", "s", "\u017F", "\u0130", "i",
      "-", "\uD83D\uDE00", "%2F"};

  static String text(Random rnd, int maxPieces) {
    StringBuilder sb = new StringBuilder();
    int n = rnd.nextInt(maxPieces + 1);
    for (int i = 0; i < n; i++) sb.append(PIECES[rnd.nextInt(PIECES.length)]);
    return sb.toString();
  }

  static String path(Random rnd) {
    return "/" + text(rnd, 5);
  }

  static RouteTable randomTable(Random rnd, int routes) throws Exception {
    VirtualHost.Builder vh = VirtualHost.newBuilder().setName("v").addDomains("*");
    for (int i = 0; i < routes; i++) {
      RouteMatch.Builder m = RouteMatch.newBuilder();
      switch (rnd.nextInt(6)) {
        case 0, 1, 2 -> m.setPrefix(rnd.nextInt(8) == 0 ? "" : path(rnd));
        case 3, 4 -> m.setPath(path(rnd));
        default -> m.setSafeRegex(RegexMatcher.newBuilder().setRegex(rnd.nextBoolean() ? "/a.*" : "/[bB]+/?"));
      }
      if (rnd.nextInt(3) == 0) m.setCaseSensitive(false);
      else if (rnd.nextBoolean()) m.setCaseSensitive(true);
      if (rnd.nextInt(4) == 0) m.addHeaders(HeaderMatcher.newBuilder().setName("x-v").setExactMatch(rnd.nextBoolean() ? "1" : "2"));
      if (rnd.nextInt(6) == 0) {
        m.addQueryParameters(QueryParameterMatcher.newBuilder().setName("q").setPresentMatch(true));
      }
      if (rnd.nextInt(10) == 0) m.setGrpc(true);
      vh.addRoutes(io.minimesh.api.xds.v1.Route.newBuilder().setName("r" + i).setMatch(m)
          .setRoute(RouteAction.newBuilder().setCluster("c")));
    }
    return RouteTable.compile(RouteConfiguration.newBuilder().setName("t").addVirtualHosts(vh).build(), "t", Set.of());
  }

  static Req randomRequest(Random rnd) {
    HttpHeaders h = new DefaultHttpHeaders(false);
    if (rnd.nextBoolean()) h.set("x-v", rnd.nextBoolean() ? "1" : "2");
    if (rnd.nextInt(5) == 0) h.set("content-type", "application/grpc");
    String pq = path(rnd) + (rnd.nextInt(4) == 0 ? "?q=1" : rnd.nextInt(4) == 0 ? "?r=" + text(rnd, 2) : "");
    return new Req("h", "GET", pq, h, "http");
  }

  @Test
  void indexedMatchEqualsLinearScanForRandomTablesAndRequests() throws Exception {
    Random rnd = new Random(20261126);
    int indexedTables = 0;
    for (int t = 0; t < 300; t++) {
      int n = 1 + rnd.nextInt(60);
      RouteTable table = randomTable(rnd, n);
      RouteTable.VHost v = table.findVirtualHost("h");
      if (n >= RouteIndex.MIN_ROUTES) indexedTables++;
      for (int q = 0; q < 300; q++) {
        Req r = randomRequest(rnd);
        RouteTable.Route expected = RouteTable.scan(v, r);
        assertThat(table.match(r).route()).as("table %d request %s headers %s", t, r.pathAndQuery(), r.headers())
            .isSameAs(expected);
      }
    }
    assertThat(indexedTables).isGreaterThan(200);
  }

  @Test
  void firstMatchWinsAmongOverlappingPrefixesAndExactPaths() throws Exception {
    VirtualHost.Builder vh = VirtualHost.newBuilder().setName("v").addDomains("*");
    String[][] routes = {
      {"prefix", "/api/v2/", "canary"}, // with a header condition below
      {"prefix", "/api/", "api"},
      {"path", "/api/v2/items", "exact-after-prefix"},
      {"prefix", "/API/V2/", "caseless"},
      {"prefix", "/", "default"},
      {"prefix", "/b", "b"}, {"prefix", "/c", "c"}, {"prefix", "/d", "d"}, {"prefix", "/e", "e"},
    };
    for (String[] r : routes) {
      RouteMatch.Builder m = RouteMatch.newBuilder();
      if (r[0].equals("prefix")) m.setPrefix(r[1]);
      else m.setPath(r[1]);
      if (r[2].equals("canary")) m.addHeaders(HeaderMatcher.newBuilder().setName("x-canary").setExactMatch("true"));
      if (r[2].equals("caseless")) m.setCaseSensitive(false);
      vh.addRoutes(io.minimesh.api.xds.v1.Route.newBuilder().setName(r[2]).setMatch(m)
          .setRoute(RouteAction.newBuilder().setCluster("c")));
    }
    RouteTable t = RouteTable.compile(RouteConfiguration.newBuilder().setName("t").addVirtualHosts(vh).build(), "t", Set.of());
    HttpHeaders canary = new DefaultHttpHeaders().set("x-canary", "true");
    assertThat(t.match(new Req("h", "GET", "/api/v2/items", canary, "http")).route().name).isEqualTo("canary");
    assertThat(t.match(new Req("h", "GET", "/api/v2/items", new DefaultHttpHeaders(), "http")).route().name)
        .as("an earlier prefix beats a later exact path").isEqualTo("api");
    assertThat(t.match(new Req("h", "GET", "/Api/v2/x", new DefaultHttpHeaders(), "http")).route().name).isEqualTo("caseless");
    assertThat(t.match(new Req("h", "GET", "/bcd?x=/api/", new DefaultHttpHeaders(), "http")).route().name)
        .as("the query string is not part of the path").isEqualTo("default");
  }
}
