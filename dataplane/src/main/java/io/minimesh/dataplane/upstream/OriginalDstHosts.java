package io.minimesh.dataplane.upstream;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.Locality;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hosts of an ORIGINAL_DST cluster (Envoy's, Istio's PassthroughCluster): a request or TCP
 * connection goes to its downstream connection's original destination, or, with
 * {@code use_http_header}, to the {@code ip:port} of a request header. Hosts are made on first use and
 * kept (bounded) so their connection pools and stats survive from one request to the next.
 */
public final class OriginalDstHosts {
  /** Envoy's default header for {@code use_http_header}. */
  public static final String DEFAULT_HEADER = "x-envoy-original-dst-host";
  private static final int MAX_HOSTS = 4096;

  private final boolean useHeader;
  private final String header;
  private final ConcurrentHashMap<InetSocketAddress, HostImpl> hosts = new ConcurrentHashMap<>();

  OriginalDstHosts(Cluster c) {
    this.useHeader = c.getOriginalDstLbConfig().getUseHttpHeader();
    String h = c.getOriginalDstLbConfig().getHttpHeaderName();
    this.header = h.isEmpty() ? DEFAULT_HEADER : h.toLowerCase(java.util.Locale.ROOT);
  }

  /** Null unless {@code c} is an ORIGINAL_DST cluster. */
  static OriginalDstHosts of(Cluster c) {
    return c.getType() == Cluster.DiscoveryType.ORIGINAL_DST ? new OriginalDstHosts(c) : null;
  }

  /** The request header to read, or null when the cluster does not use one. */
  public String header() {
    return useHeader ? header : null;
  }

  /**
   * The host for a connection whose original destination is {@code connectionDst} (may be null) and,
   * for HTTP, whose header value (see {@link #header()}) is {@code headerValue} (may be null). Null
   * when there is no destination: the caller answers "no healthy upstream".
   */
  public HostImpl pick(InetSocketAddress connectionDst, CharSequence headerValue) {
    InetSocketAddress dst = headerValue == null ? null : parseHostPort(headerValue.toString());
    if (dst == null) dst = connectionDst;
    if (dst == null) return null;
    HostImpl h = hosts.get(dst);
    if (h != null) return h;
    if (hosts.size() >= MAX_HOSTS) hosts.clear(); // stale destinations go; live pools keep their own hosts
    return hosts.computeIfAbsent(dst, a -> new HostImpl(a, "", 1, Locality.getDefaultInstance(), 0, true,
        "HEALTHY", new HostStats()));
  }

  /** {@code ip:port} or {@code [v6]:port}; IP literals only (never a DNS lookup on an event loop). */
  static InetSocketAddress parseHostPort(String s) {
    s = s.trim();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) return null;
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    else if (host.contains(":")) return null;
    if (!host.matches("[0-9a-fA-F:.]+") || (!host.contains(":") && !host.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
      return null;
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    if (port < 1 || port > 65535) return null;
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** The local address upstream connections bind to ({@code upstream_bind_config}), or null. */
  static InetSocketAddress bindAddress(Cluster c) {
    if (!c.hasUpstreamBindConfig() || c.getUpstreamBindConfig().getSourceAddress().getAddress().isEmpty()) return null;
    var sa = c.getUpstreamBindConfig().getSourceAddress();
    try {
      return new InetSocketAddress(InetAddress.getByName(sa.getAddress()), sa.getPortValue());
    } catch (UnknownHostException e) {
      return null; // rejected by the compiler
    }
  }
}
