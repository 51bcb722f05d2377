package io.minimesh.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** "This request reaches that cluster": a simulation table over one route configuration. */
class RouteTableTest {
  static final String CONFIG =
      """
      {"name": "r", "virtual_hosts": [
        {"name": "exact", "domains": ["api.example.com", "api.example.com:8443"], "routes": [
          {"match": {"path": "/exact"}, "route": {"cluster": "exact-path"}},
          {"match": {"prefix": "/CaseLess", "case_sensitive": false}, "route": {"cluster": "caseless"}},
          {"match": {"safe_regex": {"regex": "/users/[0-9]+"}}, "route": {"cluster": "regex"}},
          {"match": {"prefix": "/", "headers": [{"name": "x-env", "exact_match": "canary"}]}, "route": {"cluster": "canary"}},
          {"match": {"prefix": "/", "headers": [{"name": "x-ver", "safe_regex_match": {"regex": "v[23]"}}]}, "route": {"cluster": "v23"}},
          {"match": {"prefix": "/", "headers": [{"name": "x-debug", "present_match": true}]}, "route": {"cluster": "debug"}},
          {"match": {"prefix": "/", "headers": [{"name": "x-team", "prefix_match": "blue", "invert_match": true},
                                               {"name": "x-team", "present_match": true}]}, "route": {"cluster": "not-blue"}},
          {"match": {"prefix": "/", "headers": [{"name": ":method", "exact_match": "POST"}]}, "route": {"cluster": "posts"}},
          {"match": {"prefix": "/", "query_parameters": [{"name": "debug", "string_match": {"exact": "1"}}]}, "route": {"cluster": "qp"}},
          {"match": {"prefix": "/", "query_parameters": [{"name": "flag", "present_match": true}]}, "route": {"cluster": "qp-present"}},
          {"match": {"prefix": "/"}, "route": {"cluster": "api-default"}}
        ]},
        {"name": "suffix", "domains": ["*.example.com"], "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "suffix"}}]},
        {"name": "longer-suffix", "domains": ["*.svc.example.com"], "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "svc"}}]},
        {"name": "prefix", "domains": ["www.*"], "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "www"}}]},
        {"name": "any", "domains": ["*"], "routes": [{"match": {"prefix": "/only"}, "route": {"cluster": "any"}}]}
      ]}
      """;

  static RouteTable table() throws Exception {
    RouteConfiguration rc = JsonPrinter.parse(CONFIG, RouteConfiguration.newBuilder()).build();
    return RouteTable.compile(rc, "RouteConfiguration \"r\"", Set.of());
  }

  record Req(String authority, String method, String pathAndQuery, HttpHeaders headers) implements RouteTable.Request {
    @Override
    public String scheme() {
      return "http";
    }
  }

  static String route(String authority, String method, String path, String headers) throws Exception {
    HttpHeaders h = new DefaultHttpHeaders();
    if (headers != null && !headers.isEmpty()) {
      for (String kv : headers.split(";")) {
        String[] p = kv.split("=", 2);
        h.add(p[0], p[1]);
      }
    }
    RouteTable.Match m = table().match(new Req(authority, method, path, h));
    if (m.route() == null) return "404";
    return ((RouteTable.ForwardAction) m.route().action).cluster;
  }

  @ParameterizedTest(name = "{0} {1} {2} [{3}] -> {4}")
  @CsvSource(
      delimiter = '|',
      value = {
        "api.example.com      | GET  | /exact             |                        | exact-path",
        "api.example.com      | GET  | /exact/more        |                        | api-default",
        "API.Example.com:80   | GET  | /exact             |                        | exact-path",
        "api.example.com:8443 | GET  | /exact             |                        | exact-path",
        "api.example.com      | GET  | /caseless/x        |                        | caseless",
        "api.example.com      | GET  | /users/42          |                        | regex",
        "api.example.com      | GET  | /users/abc         |                        | api-default",
        "api.example.com      | GET  | /x                 | x-env=canary           | canary",
        "api.example.com      | GET  | /x                 | x-env=prod             | api-default",
        "api.example.com      | GET  | /x                 | x-ver=v3               | v23",
        "api.example.com      | GET  | /x                 | x-ver=v4               | api-default",
        "api.example.com      | GET  | /x                 | x-debug=               | debug",
        "api.example.com      | GET  | /x                 | x-team=red             | not-blue",
        "api.example.com      | GET  | /x                 | x-team=blue-1          | api-default",
        "api.example.com      | POST | /x                 |                        | posts",
        "api.example.com      | GET  | /x?debug=1         |                        | qp",
        "api.example.com      | GET  | /x?debug=2         |                        | api-default",
        "api.example.com      | GET  | /x?a=b&flag        |                        | qp-present",
        "foo.example.com      | GET  | /                  |                        | suffix",
        "a.svc.example.com    | GET  | /                  |                        | svc",
        "www.other.org:8080   | GET  | /                  |                        | www",
        "unknown.org          | GET  | /only/this         |                        | any",
        "unknown.org          | GET  | /other             |                        | 404",
      })
  void routes(String authority, String method, String path, String headers, String expected) throws Exception {
    assertThat(route(authority.trim(), method.trim(), path.trim(), headers == null ? null : headers.trim()))
        .isEqualTo(expected.trim());
  }

  @Test
  void weightedClustersFollowWeights() throws Exception {
    RouteConfiguration rc = JsonPrinter.parse(
        """
        {"virtual_hosts": [{"name": "v", "domains": ["*"], "routes": [{"match": {"prefix": "/"},
          "route": {"weighted_clusters": {"clusters": [{"name": "a", "weight": 75}, {"name": "b", "weight": 25}]}}}]}]}
        """, RouteConfiguration.newBuilder()).build();
    RouteTable t = RouteTable.compile(rc, "r", Set.of());
    RouteTable.ForwardAction f = (RouteTable.ForwardAction) t.match(new Req("x", "GET", "/", new DefaultHttpHeaders())).route().action;
    int a = 0;
    for (int i = 0; i < 100; i++) if (f.pick(i).cluster().equals("a")) a++;
    assertThat(a).isEqualTo(75);
  }

  @Test
  void rewritesAndRedirects() throws Exception {
    RouteConfiguration rc = JsonPrinter.parse(
        """
        {"virtual_hosts": [{"name": "v", "domains": ["*"], "routes": [
          {"match": {"prefix": "/api/"}, "route": {"cluster": "a", "prefix_rewrite": "/v1/"}},
          {"match": {"prefix": "/re/"}, "route": {"cluster": "a", "regex_rewrite": {"pattern": {"regex": "^/re/(\\\\w+)/(\\\\w+)$"}, "substitution": "/\\\\2/\\\\1"}}},
          {"match": {"prefix": "/secure"}, "redirect": {"https_redirect": true}},
          {"match": {"prefix": "/moved"}, "redirect": {"host_redirect": "new.example.com", "port_redirect": 8080, "prefix_rewrite": "/here", "response_code": "FOUND", "strip_query": true}}
        ]}]}
        """, RouteConfiguration.newBuilder()).build();
    RouteTable t = RouteTable.compile(rc, "r", Set.of());
    Req api = new Req("h", "GET", "/api/users?x=1", new DefaultHttpHeaders());
    RouteTable.Route r = t.match(api).route();
    assertThat(((RouteTable.ForwardAction) r.action).rewritePath(api.pathAndQuery(), r.matchedPrefix())).isEqualTo("/v1/users?x=1");
    Req re = new Req("h", "GET", "/re/a/b", new DefaultHttpHeaders());
    RouteTable.Route r2 = t.match(re).route();
    assertThat(((RouteTable.ForwardAction) r2.action).rewritePath(re.pathAndQuery(), r2.matchedPrefix())).isEqualTo("/b/a");
    Req sec = new Req("shop.example.com:80", "GET", "/secure/x?y=1", new DefaultHttpHeaders());
    RouteTable.Route r3 = t.match(sec).route();
    assertThat(((RouteTable.RedirectAct) r3.action).location(sec, r3.matchedPrefix())).isEqualTo("https://shop.example.com/secure/x?y=1");
    assertThat(((RouteTable.RedirectAct) r3.action).status()).isEqualTo(301);
    Req mv = new Req("old.example.com", "GET", "/moved/page?q=1", new DefaultHttpHeaders());
    RouteTable.Route r4 = t.match(mv).route();
    assertThat(((RouteTable.RedirectAct) r4.action).location(mv, r4.matchedPrefix())).isEqualTo("http://new.example.com:8080/here/page");
    assertThat(((RouteTable.RedirectAct) r4.action).status()).isEqualTo(302);
  }

  @Test
  void invalidConfigNamesResourceAndField() {
    assertThatThrownBy(() -> RouteTable.compile(JsonPrinter.parse(
        """
        {"name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routes": [
          {"match": {"prefix": "/"}, "route": {"cluster": "a"}},
          {"match": {"safe_regex": {"regex": "([a-z"}}, "route": {"cluster": "a"}}]}]}
        """, RouteConfiguration.newBuilder()).build(), "RouteConfiguration \"r\"", Set.of("a")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("RouteConfiguration \"r\": virtual_hosts[0].routes[1].match.safe_regex: invalid regex \"([a-z\"");
    assertThatThrownBy(() -> RouteTable.compile(JsonPrinter.parse(
        """
        {"name": "r", "validate_clusters": true, "virtual_hosts": [{"name": "v", "domains": ["*"], "routes": [
          {"match": {"prefix": "/"}, "route": {"cluster": "missing"}}]}]}
        """, RouteConfiguration.newBuilder()).build(), "RouteConfiguration \"r\"", Set.of("a")))
        .hasMessage("RouteConfiguration \"r\": virtual_hosts[0].routes[0].route.cluster: unknown cluster \"missing\"");
    assertThatThrownBy(() -> RouteTable.compile(JsonPrinter.parse(
        """
        {"name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routes": [
          {"match": {"prefix": "/"}, "route": {"cluster": "a", "retry_policy": {"retry_on": "5xx,sometimes"}}}]}]}
        """, RouteConfiguration.newBuilder()).build(), "RouteConfiguration \"r\"", Set.of("a")))
        .hasMessage("RouteConfiguration \"r\": virtual_hosts[0].routes[0].route.retry_policy.retry_on: unknown retry condition \"sometimes\"");
  }
}
