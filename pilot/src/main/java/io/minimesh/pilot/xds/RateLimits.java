package io.minimesh.pilot.xds;

import io.minimesh.api.istio.IstioDuration;
import io.minimesh.api.minimesh.LocalRateLimitSpec;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.LocalRateLimit;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.VirtualHost;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.Hosts;
import io.minimesh.pilot.model.Labels;
import io.minimesh.pilot.model.PushContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimesh LocalRateLimit resources → token buckets on the proxy's connection managers (scope
 * LISTENER), virtual hosts (HOST) or routes (ROUTE). A resource selects the proxies of its namespace
 * (all namespaces from the root namespace) whose labels match its workloadSelector. On sidecars a
 * LISTENER limit guards the inbound side (what the workload serves); HOST and ROUTE limits apply
 * wherever the named virtual hosts and routes are. The oldest matching resource wins per place.
 */
final class RateLimits {
  private final List<LocalRateLimitSpec> specs = new ArrayList<>();
  private final Proxy proxy;

  RateLimits(PushContext ctx, Proxy proxy) {
    this.proxy = proxy;
    for (ConfigResource r : ctx.localRateLimits()) {
      if (!r.namespace().equals(proxy.namespace()) && !r.namespace().equals(PushContext.ROOT_NAMESPACE)) continue;
      LocalRateLimitSpec s = r.spec(LocalRateLimitSpec.class);
      if (s.workloadSelector != null && s.workloadSelector.labels != null && !Labels.subsetOf(s.workloadSelector.labels, proxy.labels())) continue;
      specs.add(s);
    }
  }

  boolean isEmpty() {
    return specs.isEmpty();
  }

  List<Listener> listeners(List<Listener> in) {
    if (specs.isEmpty()) return in;
    List<Listener> out = new ArrayList<>();
    for (Listener l : in) {
      Listener.Builder b = l.toBuilder();
      int port = l.getAddress().getSocketAddress().getPortValue();
      boolean inbound = l.getTrafficDirection() == Listener.TrafficDirection.INBOUND;
      for (int i = 0; i < b.getFilterChainsCount(); i++) {
        FilterChain fc = b.getFilterChains(i);
        int chainPort = fc.getFilterChainMatch().hasDestinationPort() ? fc.getFilterChainMatch().getDestinationPort() : port;
        b.setFilterChains(i, chain(fc, chainPort, inbound));
      }
      out.add(b.build());
    }
    return out;
  }

  private FilterChain chain(FilterChain fc, int port, boolean inbound) {
    FilterChain.Builder b = fc.toBuilder();
    for (int i = 0; i < b.getFiltersCount(); i++) {
      NetworkFilter f = b.getFilters(i);
      if (!f.hasHttpConnectionManager()) continue;
      HttpConnectionManager.Builder h = f.getHttpConnectionManager().toBuilder();
      if (proxy.isRouter() || inbound) {
        LocalRateLimitSpec s = first("LISTENER", port, null, null);
        if (s != null) h.setRateLimit(bucket(s));
      }
      if (h.hasRouteConfig()) h.setRouteConfig(routeConfig(h.getRouteConfig(), port));
      b.setFilters(i, f.toBuilder().setHttpConnectionManager(h));
    }
    return b.build();
  }

  /** HOST and ROUTE limits in one route configuration served on {@code port} (0: any). */
  RouteConfiguration routeConfig(RouteConfiguration rc, int port) {
    if (specs.isEmpty()) return rc;
    RouteConfiguration.Builder b = rc.toBuilder();
    for (int i = 0; i < b.getVirtualHostsCount(); i++) {
      VirtualHost.Builder v = b.getVirtualHosts(i).toBuilder();
      LocalRateLimitSpec hs = first("HOST", port, v.getDomainsList(), null);
      if (hs != null) v.setRateLimit(bucket(hs));
      for (int j = 0; j < v.getRoutesCount(); j++) {
        Route r = v.getRoutes(j);
        LocalRateLimitSpec rs = first("ROUTE", port, v.getDomainsList(), r.getName());
        if (rs != null) v.setRoutes(j, r.toBuilder().setRateLimit(bucket(rs)));
      }
      b.setVirtualHosts(i, v);
    }
    return b.build();
  }

  private LocalRateLimitSpec first(String scope, int port, List<String> domains, String routeName) {
    for (LocalRateLimitSpec s : specs) {
      if (!scope.equals(s.scope == null ? "LISTENER" : s.scope)) continue;
      if (s.port != null && port != 0 && s.port != port && proxy.bindPort(s.port) != port) continue;
      if (routeName != null && !routeName.equals(s.route) && !routeName.startsWith(s.route + ".")) continue;
      if (domains != null && s.hosts != null && !s.hosts.isEmpty() && !covers(s.hosts, domains)) continue;
      return s;
    }
    return null;
  }

  private static boolean covers(List<String> hosts, List<String> domains) {
    for (String h : hosts) {
      for (String d : domains) {
        String name = d.contains(":") && !d.startsWith("[") ? d.substring(0, d.indexOf(':')) : d;
        if (Hosts.covers(h, name)) return true;
      }
    }
    return false;
  }

  private static LocalRateLimit bucket(LocalRateLimitSpec s) {
    var t = s.tokenBucket;
    LocalRateLimit.Builder b = LocalRateLimit.newBuilder().setMaxTokens(t.maxTokens)
        .setTokensPerFill(t.tokensPerFill == null ? 1 : t.tokensPerFill)
        .setFillInterval(IstioDuration.toProto(IstioDuration.parse(t.fillInterval)));
    if (s.statusCode != null) b.setStatus(s.statusCode);
    return b.build();
  }
}
