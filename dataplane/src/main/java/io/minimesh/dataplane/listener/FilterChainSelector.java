package io.minimesh.dataplane.listener;

import io.minimesh.api.xds.v1.CidrRange;
import io.minimesh.api.xds.v1.FilterChainMatch;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * Picks the filter chain of a connection the way Envoy does: the criteria are applied one after
 * another (destination port, destination IP, server name, transport protocol, application
 * protocols, source IP); at each step only the chains with the most specific match stay in, and
 * a step nobody matches means no match at all (no backtracking) — then the default chain, if
 * any. Immutable and thread-safe.
 *
 * @param <T> the compiled chain
 */
public final class FilterChainSelector<T> {
  private static final int NO = -1;

  /** A chain with its match criteria. */
  public record Entry<T>(FilterChainMatch match, T chain) {}

  private final List<Compiled<T>> entries;
  private final List<T> chains;
  private final T defaultChain;

  private record Compiled<T>(
      Integer port, List<Cidr> dst, List<String> serverNames, String transport, List<String> alpn, List<Cidr> src, T chain) {}

  record Cidr(byte[] prefix, int len) {
    static Cidr parse(CidrRange r, String where) {
      try {
        byte[] a = InetAddress.getByName(r.getAddressPrefix()).getAddress();
        int len = r.getPrefixLen();
        if (len > a.length * 8) throw new IllegalArgumentException(where + ".prefix_len: " + len + " is too long");
        return new Cidr(a, len);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(where + ".address_prefix: invalid IP \"" + r.getAddressPrefix() + "\"");
      }
    }

    boolean contains(InetAddress ip) {
      byte[] b = ip.getAddress();
      if (b.length != prefix.length) return false;
      int full = len / 8, rest = len % 8;
      for (int i = 0; i < full; i++) if (b[i] != prefix[i]) return false;
      if (rest == 0) return true;
      int mask = (0xff << (8 - rest)) & 0xff;
      return (b[full] & mask) == (prefix[full] & mask);
    }
  }

  /**
   * @throws IllegalArgumentException on a malformed CIDR (the message names the field relative to
   *     the chain, e.g. {@code filter_chains[1].filter_chain_match.prefix_ranges[0].address_prefix})
   */
  public FilterChainSelector(List<Entry<T>> chains, T defaultChain) {
    List<Compiled<T>> out = new ArrayList<>();
    for (int i = 0; i < chains.size(); i++) {
      FilterChainMatch m = chains.get(i).match();
      String w = "filter_chains[" + i + "].filter_chain_match";
      List<Cidr> dst = new ArrayList<>();
      for (int j = 0; j < m.getPrefixRangesCount(); j++) dst.add(Cidr.parse(m.getPrefixRanges(j), w + ".prefix_ranges[" + j + "]"));
      List<Cidr> src = new ArrayList<>();
      for (int j = 0; j < m.getSourcePrefixRangesCount(); j++) {
        src.add(Cidr.parse(m.getSourcePrefixRanges(j), w + ".source_prefix_ranges[" + j + "]"));
      }
      List<String> names = m.getServerNamesList().stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
      out.add(new Compiled<>(m.hasDestinationPort() ? m.getDestinationPort() : null, dst, names,
          m.getTransportProtocol(), List.copyOf(m.getApplicationProtocolsList()), src, chains.get(i).chain()));
    }
    this.entries = List.copyOf(out);
    // Built once: connection managers look their chain up here on every request.
    this.chains = entries.stream().map(Compiled::chain).toList();
    this.defaultChain = defaultChain;
  }

  /** All chains (without the default), in configuration order. */
  public List<T> chains() {
    return chains;
  }

  public T defaultChain() {
    return defaultChain;
  }

  /** The chain for {@code c}, or null when none matches and there is no default chain. */
  public T select(ConnectionInfo c) {
    List<Compiled<T>> cand = entries;
    cand = narrow(cand, e -> e.port() == null ? 0 : c.destination() != null && e.port() == c.destination().getPort() ? 1 : NO);
    cand = narrow(cand, e -> cidr(e.dst(), c.destination() == null ? null : c.destination().getAddress()));
    cand = narrow(cand, e -> serverName(e.serverNames(), c.sni()));
    cand = narrow(cand, e -> e.transport().isEmpty() ? 0 : e.transport().equals(c.transport()) ? 1 : NO);
    cand = narrow(cand, e -> e.alpn().isEmpty() ? 0 : e.alpn().stream().anyMatch(c.alpn()::contains) ? 1 : NO);
    cand = narrow(cand, e -> cidr(e.src(), c.source() == null ? null : c.source().getAddress()));
    return cand.isEmpty() ? defaultChain : cand.get(0).chain();
  }

  private static <T> List<Compiled<T>> narrow(List<Compiled<T>> in, ToIntFunction<Compiled<T>> score) {
    if (in.size() <= 1 && (in.isEmpty() || score.applyAsInt(in.get(0)) != NO)) return in;
    int best = NO;
    for (Compiled<T> e : in) best = Math.max(best, score.applyAsInt(e));
    if (best == NO) return List.of();
    List<Compiled<T>> out = new ArrayList<>();
    for (Compiled<T> e : in) if (score.applyAsInt(e) == best) out.add(e);
    return out;
  }

  /** 0 for no ranges, 1 + the longest matching prefix, or NO. */
  private static int cidr(List<Cidr> ranges, InetAddress ip) {
    if (ranges.isEmpty()) return 0;
    if (ip == null) return NO;
    int best = NO;
    for (Cidr r : ranges) if (r.contains(ip)) best = Math.max(best, 1 + r.len());
    return best;
  }

  /**
   * 0 for no server names; an exact name beats every wildcard; among wildcards ("*.example.com")
   * the longest suffix wins, as in Envoy.
   */
  static int serverName(List<String> names, String sni) {
    if (names.isEmpty()) return 0;
    if (sni == null) return NO;
    int best = NO;
    for (String n : names) {
      if (n.equals(sni)) return Integer.MAX_VALUE;
      if (n.startsWith("*.")) {
        String suffix = n.substring(1); // ".example.com"
        if (sni.endsWith(suffix) && sni.length() > suffix.length()) best = Math.max(best, suffix.length());
      } else if (n.startsWith(".") && sni.endsWith(n)) {
        best = Math.max(best, n.length());
      }
    }
    return best;
  }
}
