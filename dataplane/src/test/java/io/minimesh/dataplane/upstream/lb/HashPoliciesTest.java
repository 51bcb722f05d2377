package io.minimesh.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.v1.HashPolicy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HashPoliciesTest {
  static HashPolicy header(String name) {
    return HashPolicy.newBuilder()
        .setHeader(HashPolicy.Header.newBuilder().setHeaderName(name)).build();
  }

  static HashPolicy cookie(String name) {
    return HashPolicy.newBuilder()
        .setCookie(HashPolicy.Cookie.newBuilder().setName(name)).build();
  }

  static HashPolicy sourceIp() {
    return HashPolicy.newBuilder().setConnectionProperties(
        HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true)).build();
  }

  static HashPolicy query(String name) {
    return HashPolicy.newBuilder()
        .setQueryParameter(HashPolicy.QueryParameter.newBuilder().setName(name)).build();
  }

  static HashPolicy terminal(HashPolicy p) {
    return p.toBuilder().setTerminal(true).build();
  }

  static Function<String, String> headers(Map<String, String> h) {
    return h::get;
  }

  static final InetSocketAddress CLIENT = new InetSocketAddress("192.168.1.7", 50123);

  @Test
  void headerHashIsXxHash64OfTheValueAndNameIsCaseInsensitive() {
    OptionalLong h = HashPolicies.hash(List.of(header("X-User")),
        headers(Map.of("x-user", "alice")), "/", CLIENT);
    assertThat(h).hasValue(XxHash64.hash("alice"));
    assertThat(HashPolicies.hash(List.of(header("x-user")), headers(Map.of("x-user", "bob")),
        "/", CLIENT)).isNotEqualTo(h);
  }

  @Test
  void absentInputGivesNoHash() {
    assertThat(HashPolicies.hash(List.of(header("x-user"), cookie("session"), query("u")),
        headers(Map.of()), "/path?other=1", null)).isEmpty();
    assertThat(HashPolicies.hash(List.of(), headers(Map.of()), "/", CLIENT)).isEmpty();
  }

  @Test
  void cookieIsFoundAmongOthers() {
    Function<String, String> h = headers(Map.of("cookie", "a=1; session=\"xyz\";theme=dark"));
    assertThat(HashPolicies.hash(List.of(cookie("session")), h, "/", CLIENT))
        .hasValue(XxHash64.hash("xyz"));
    assertThat(HashPolicies.hash(List.of(cookie("theme")), h, "/", CLIENT))
        .hasValue(XxHash64.hash("dark"));
    assertThat(HashPolicies.hash(List.of(cookie("sess")), h, "/", CLIENT)).isEmpty();
  }

  @Test
  void sourceIpIgnoresThePort() {
    OptionalLong a = HashPolicies.hash(List.of(sourceIp()), headers(Map.of()), "/", CLIENT);
    OptionalLong b = HashPolicies.hash(List.of(sourceIp()), headers(Map.of()), "/",
        new InetSocketAddress("192.168.1.7", 1));
    assertThat(a).hasValue(XxHash64.hash("192.168.1.7")).isEqualTo(b);
  }

  @Test
  void queryParameter() {
    assertThat(HashPolicies.hash(List.of(query("user")), headers(Map.of()),
        "/get?x=1&user=carol&user=dave", CLIENT)).hasValue(XxHash64.hash("carol"));
    assertThat(HashPolicies.hash(List.of(query("flag")), headers(Map.of()), "/get?flag&x=1",
        CLIENT)).hasValue(XxHash64.hash(""));
    assertThat(HashPolicies.hash(List.of(query("user")), headers(Map.of()), "/get?username=x",
        CLIENT)).isEmpty();
  }

  @Test
  void multiplePoliciesCombineByRotateAndXor() {
    Function<String, String> h = headers(Map.of("x-a", "1", "x-b", "2"));
    long a = XxHash64.hash("1");
    long b = XxHash64.hash("2");
    assertThat(HashPolicies.hash(List.of(header("x-a"), header("x-b")), h, "/", CLIENT))
        .hasValue(Long.rotateLeft(a, 1) ^ b);
    // The same policy twice does not cancel itself out.
    assertThat(HashPolicies.hash(List.of(header("x-a"), header("x-a")), h, "/", CLIENT))
        .hasValue(Long.rotateLeft(a, 1) ^ a);
    // Absent inputs are skipped.
    assertThat(HashPolicies.hash(List.of(header("x-missing"), header("x-b")), h, "/", CLIENT))
        .hasValue(b);
  }

  @Test
  void terminalPolicyThatProducedAHashStopsTheList() {
    Function<String, String> withCookie = headers(Map.of("cookie", "session=s1"));
    List<HashPolicy> fallback = List.of(terminal(cookie("session")), sourceIp());
    assertThat(HashPolicies.hash(fallback, withCookie, "/", CLIENT))
        .hasValue(XxHash64.hash("s1"));
    // No cookie: the terminal policy produced nothing, so the next one applies.
    assertThat(HashPolicies.hash(fallback, headers(Map.of()), "/", CLIENT))
        .hasValue(XxHash64.hash("192.168.1.7"));
  }

  @Test
  void sameRequestInputsAreStickyThroughRingHash() {
    // End to end through the LB: one user always lands on the same host.
    LoadBalancer lb = LoadBalancersTest.lb(io.minimesh.api.xds.v1.Cluster.LbPolicy.RING_HASH,
        LoadBalancersTest.abc());
    List<HashPolicy> policies = List.of(header("x-user"));
    for (String user : List.of("alice", "bob", "carol", "dave", "erin")) {
      OptionalLong hash = HashPolicies.hash(policies, headers(Map.of("x-user", user)), "/", CLIENT);
      LbHost first = lb.pick(LbContext.of(hash, x -> false));
      for (int i = 0; i < 20; i++) {
        assertThat(lb.pick(LbContext.of(hash, x -> false))).isSameAs(first);
      }
    }
  }
}
