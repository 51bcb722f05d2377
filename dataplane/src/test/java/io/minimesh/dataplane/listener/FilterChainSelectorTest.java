package io.minimesh.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.v1.CidrRange;
import io.minimesh.api.xds.v1.FilterChainMatch;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterChainSelectorTest {
  static FilterChainSelector.Entry<String> e(String name, FilterChainMatch.Builder m) {
    return new FilterChainSelector.Entry<>(m.build(), name);
  }

  static FilterChainMatch.Builder m() {
    return FilterChainMatch.newBuilder();
  }

  static ConnectionInfo tls(String sni, String... alpn) {
    return new ConnectionInfo(new InetSocketAddress("10.0.0.1", 443), new InetSocketAddress("192.168.1.5", 5555), sni,
        List.of(alpn), "tls");
  }

  @Test
  void exactServerNameBeatsWildcardsAndTheLongestWildcardWins() {
    var s = new FilterChainSelector<>(List.of(
        e("wild", m().addServerNames("*.example.com")),
        e("deeper", m().addServerNames("*.api.example.com")),
        e("exact", m().addServerNames("v1.api.example.com")),
        e("any", m())), "default");
    assertThat(s.select(tls("v1.api.example.com"))).isEqualTo("exact");
    assertThat(s.select(tls("v2.api.example.com"))).isEqualTo("deeper");
    assertThat(s.select(tls("www.example.com"))).isEqualTo("wild");
    assertThat(s.select(tls("example.com"))).isEqualTo("any");
    assertThat(s.select(tls(null))).isEqualTo("any");
  }

  @Test
  void noMatchFallsBackToTheDefaultChainOrNothing() {
    var withDefault = new FilterChainSelector<>(List.of(e("a", m().addServerNames("a.example.com"))), "default");
    assertThat(withDefault.select(tls("b.example.com"))).isEqualTo("default");
    var without = new FilterChainSelector<>(List.of(e("a", m().addServerNames("a.example.com"))), null);
    assertThat(without.select(tls("b.example.com"))).isNull();
  }

  @Test
  void aMoreSpecificEarlierCriterionWinsWithoutBacktracking() {
    // destination_port is checked before server names: the port-specific chain is the only
    // candidate, and its transport mismatch means no match (Envoy does not fall back).
    var s = new FilterChainSelector<>(List.of(
        e("port-raw", m().setDestinationPort(443).setTransportProtocol("raw_buffer")),
        e("sni", m().addServerNames("a.example.com"))), "default");
    assertThat(s.select(tls("a.example.com"))).isEqualTo("default");
  }

  @Test
  void transportProtocolAndAlpnSplitTlsFromPlaintext() {
    var s = new FilterChainSelector<>(List.of(
        e("tls-h2", m().setTransportProtocol("tls").addApplicationProtocols("h2")),
        e("tls", m().setTransportProtocol("tls")),
        e("plain", m().setTransportProtocol("raw_buffer"))), null);
    assertThat(s.select(tls("x", "h2", "http/1.1"))).isEqualTo("tls-h2");
    assertThat(s.select(tls("x", "http/1.1"))).isEqualTo("tls");
    assertThat(s.select(ConnectionInfo.plain(new InetSocketAddress("10.0.0.1", 80), null))).isEqualTo("plain");
  }

  @Test
  void longestDestinationAndSourcePrefixWins() {
    var s = new FilterChainSelector<>(List.of(
        e("10/8", m().addPrefixRanges(CidrRange.newBuilder().setAddressPrefix("10.0.0.0").setPrefixLen(8))),
        e("10.0.0/24", m().addPrefixRanges(CidrRange.newBuilder().setAddressPrefix("10.0.0.0").setPrefixLen(24))),
        e("src", m().addPrefixRanges(CidrRange.newBuilder().setAddressPrefix("10.0.0.0").setPrefixLen(24))
            .addSourcePrefixRanges(CidrRange.newBuilder().setAddressPrefix("192.168.0.0").setPrefixLen(16)))), null);
    assertThat(s.select(tls(null))).isEqualTo("src");
    assertThat(s.select(new ConnectionInfo(new InetSocketAddress("10.0.0.9", 1), new InetSocketAddress("172.16.0.1", 1),
        null, List.of(), "raw_buffer"))).isEqualTo("10.0.0/24");
    assertThat(s.select(new ConnectionInfo(new InetSocketAddress("10.9.0.9", 1), null, null, List.of(), "raw_buffer")))
        .isEqualTo("10/8");
  }

  @Test
  void destinationPortOfTheOriginalDestinationSelects() {
    var s = new FilterChainSelector<>(List.of(
        e("9080", m().setDestinationPort(9080)),
        e("any", m())), null);
    assertThat(s.select(ConnectionInfo.plain(new InetSocketAddress("10.1.2.3", 9080), null))).isEqualTo("9080");
    assertThat(s.select(ConnectionInfo.plain(new InetSocketAddress("10.1.2.3", 8080), null))).isEqualTo("any");
  }
}
