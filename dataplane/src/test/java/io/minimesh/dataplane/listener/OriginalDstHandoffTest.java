package io.minimesh.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.api.xds.v1.CidrRange;
import io.minimesh.api.xds.v1.FilterChainMatch;
import io.minimesh.api.xds.v1.Listener.TrafficDirection;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.runtime.RuntimeState.ListenerRuntime;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OriginalDstHandoffTest {
  private final StatsRegistry stats = new StatsRegistry();

  private ListenerRuntime listener(String name, String ip, int port, TrafficDirection dir, boolean useOriginalDst,
      List<ListenerChain> chains, ListenerChain def) {
    List<FilterChainSelector.Entry<ListenerChain>> entries = new java.util.ArrayList<>();
    for (ListenerChain c : chains) entries.add(new FilterChainSelector.Entry<>(matches.get(c), c));
    return new ListenerRuntime(name, new InetSocketAddress(ip, port), !useOriginalDst || port > 0, null, null,
        stats.counter(name + ".cx"), stats.gauge(name + ".active"), new FilterChainSelector<>(entries, def), false,
        ListenerStats.create(stats, "listener." + name + "."), dir, useOriginalDst, useOriginalDst);
  }

  private final Map<ListenerChain, FilterChainMatch> matches = new java.util.IdentityHashMap<>();

  private ListenerChain chain(String name, FilterChainMatch m) {
    ListenerChain c = new ListenerChain(name, null, null, null);
    matches.put(c, m);
    return c;
  }

  private static RuntimeState state(ListenerRuntime... ls) {
    Map<String, ListenerRuntime> m = new LinkedHashMap<>();
    for (ListenerRuntime l : ls) m.put(l.name(), l);
    return new RuntimeState(
        ConfigSnapshot.fromBootstrap(io.minimesh.api.xds.v1.Bootstrap.getDefaultInstance(), Instant.EPOCH),
        Map.of(), Map.of(), m);
  }

  @Test
  void handsOffToTheExactAddressThenTheWildcardThenKeepsTheConnection() {
    ListenerChain pass = chain("PassthroughCluster", FilterChainMatch.getDefaultInstance());
    ListenerRuntime outbound = listener("virtualOutbound", "0.0.0.0", 15001, TrafficDirection.OUTBOUND, true, List.of(), pass);
    ListenerRuntime wildcard = listener("0.0.0.0_8000", "0.0.0.0", 8000, TrafficDirection.OUTBOUND, false,
        List.of(chain("http", FilterChainMatch.getDefaultInstance())), null);
    ListenerRuntime exact = listener("10.96.0.20_8000", "10.96.0.20", 8000, TrafficDirection.OUTBOUND, false,
        List.of(chain("tcp", FilterChainMatch.getDefaultInstance())), null);
    RuntimeState st = state(outbound, wildcard, exact);

    assertThat(OriginalDstHandoff.handoffListener(st, outbound, new InetSocketAddress("10.96.0.20", 8000))).isSameAs(exact);
    assertThat(OriginalDstHandoff.handoffListener(st, outbound, new InetSocketAddress("10.96.0.10", 8000))).isSameAs(wildcard);
    ListenerRuntime none = OriginalDstHandoff.handoffListener(st, outbound, new InetSocketAddress("192.0.2.1", 9999));
    assertThat(none).isSameAs(outbound);
    assertThat(OriginalDstHandoff.selectChain(none, new InetSocketAddress("192.0.2.1", 9999))).isSameAs(pass);
  }

  @Test
  void inboundCaptureIsNeverHandedToAnOutboundListener() {
    ListenerChain app = chain("inbound|8000||", FilterChainMatch.newBuilder().setDestinationPort(8000).build());
    ListenerChain pass = chain("InboundPassthroughCluster", FilterChainMatch.getDefaultInstance());
    ListenerRuntime inbound = listener("virtualInbound", "0.0.0.0", 15006, TrafficDirection.INBOUND, true, List.of(app), pass);
    ListenerRuntime outbound8000 = listener("0.0.0.0_8000", "0.0.0.0", 8000, TrafficDirection.OUTBOUND, false,
        List.of(chain("http", FilterChainMatch.getDefaultInstance())), null);
    RuntimeState st = state(inbound, outbound8000);

    InetSocketAddress podIp8000 = new InetSocketAddress("10.44.0.3", 8000);
    ListenerRuntime chosen = OriginalDstHandoff.handoffListener(st, inbound, podIp8000);
    assertThat(chosen).isSameAs(inbound);
    assertThat(OriginalDstHandoff.selectChain(chosen, podIp8000)).isSameAs(app);
    assertThat(OriginalDstHandoff.selectChain(chosen, new InetSocketAddress("10.44.0.3", 9000))).isSameAs(pass);
  }

  @Test
  void theMostSpecificChainWinsAndNoMatchWithoutDefaultIsNull() {
    ListenerChain any = chain("any", FilterChainMatch.getDefaultInstance());
    ListenerChain port = chain("port", FilterChainMatch.newBuilder().setDestinationPort(80).build());
    ListenerChain wide = chain("wide", FilterChainMatch.newBuilder().setDestinationPort(80)
        .addPrefixRanges(CidrRange.newBuilder().setAddressPrefix("10.0.0.0").setPrefixLen(8)).build());
    ListenerChain narrow = chain("narrow", FilterChainMatch.newBuilder().setDestinationPort(80)
        .addPrefixRanges(CidrRange.newBuilder().setAddressPrefix("10.1.0.0").setPrefixLen(16)).build());
    ListenerRuntime l = listener("l", "0.0.0.0", 15001, TrafficDirection.OUTBOUND, true, List.of(any, port, wide, narrow), null);

    assertThat(OriginalDstHandoff.selectChain(l, new InetSocketAddress("10.1.2.3", 80))).isSameAs(narrow);
    assertThat(OriginalDstHandoff.selectChain(l, new InetSocketAddress("10.2.2.3", 80))).isSameAs(wide);
    assertThat(OriginalDstHandoff.selectChain(l, new InetSocketAddress("192.0.2.1", 80))).isSameAs(port);
    assertThat(OriginalDstHandoff.selectChain(l, new InetSocketAddress("192.0.2.1", 81))).isSameAs(any);

    ListenerRuntime strict = listener("s", "0.0.0.0", 15006, TrafficDirection.INBOUND, true, List.of(port), null);
    assertThat(OriginalDstHandoff.selectChain(strict, new InetSocketAddress("192.0.2.1", 81))).isNull();
  }
}
