package io.minimesh.pilot.xds;

import io.minimesh.api.istio.GatewaySpec;
import io.minimesh.api.istio.VirtualServiceSpec;
import io.minimesh.api.xds.v1.Address;
import io.minimesh.api.xds.v1.CertificateValidationContext;
import io.minimesh.api.xds.v1.CommonTlsContext;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.DownstreamTlsContext;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.FilterChainMatch;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Rds;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteAction;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.SdsSecretConfig;
import io.minimesh.api.xds.v1.SocketAddress;
import io.minimesh.api.xds.v1.StringMatcher;
import io.minimesh.api.xds.v1.TcpProxy;
import io.minimesh.api.xds.v1.TlsCertificate;
import io.minimesh.api.xds.v1.TlsParameters;
import io.minimesh.api.xds.v1.TransportSocket;
import io.minimesh.api.xds.v1.VirtualHost;
import io.minimesh.api.xds.v1.WeightedCluster;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.config.TlsSecret;
import io.minimesh.pilot.model.Hosts;
import io.minimesh.pilot.model.Labels;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.ServicePort;
import io.minimesh.pilot.model.Visibility;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** LDS: gateway listeners (one per bound port) and sidecar listeners (15001, 15006, per service port). */
final class ListenerBuilder {
  static final int OUTBOUND_PORT = 15001;
  static final int INBOUND_PORT = 15006;
  static final String HCM = "envoy.filters.network.http_connection_manager";
  static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

  private final PushContext ctx;
  private final Proxy proxy;
  private final RouteBuilder routes;

  ListenerBuilder(PushContext ctx, Proxy proxy) {
    this.ctx = ctx;
    this.proxy = proxy;
    this.routes = new RouteBuilder(ctx, proxy);
  }

  // ---------------- gateways ----------------

  List<Listener> gateway(Map<Integer, List<GatewayServers.Entry>> byPort) {
    List<Listener> out = new ArrayList<>();
    for (var e : byPort.entrySet()) {
      int bindPort = e.getKey();
      String name = proxy.bindIp() + "_" + bindPort;
      Listener.Builder l = Listener.newBuilder().setName(name).setAddress(address(proxy.bindIp(), bindPort))
          .setTrafficDirection(Listener.TrafficDirection.OUTBOUND);
      boolean httpAdded = false;
      boolean tcpAdded = false;
      boolean needsInspector = false;
      for (GatewayServers.Entry s : e.getValue()) {
        switch (s.kind()) {
          case HTTP -> {
            if (!httpAdded) {
              l.addFilterChains(FilterChain.newBuilder().addFilters(gatewayHcm("outbound_" + name, s.routeName())));
              httpAdded = true;
            }
          }
          case HTTPS_TERMINATE -> {
            FilterChain.Builder fc = FilterChain.newBuilder().setName(s.routeName());
            List<String> sni = serverNames(s);
            if (!sni.isEmpty()) fc.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(sni));
            fc.setTransportSocket(TransportSocket.newBuilder().setDownstreamTls(downstreamTls(s)));
            fc.addFilters(gatewayHcm("outbound_" + name, s.routeName()));
            l.addFilterChains(fc);
            needsInspector = true;
          }
          case TLS_TERMINATE -> {
            FilterChain fc = tcpChain(s);
            if (fc != null) {
              FilterChain.Builder b = fc.toBuilder().setName(s.gatewayName() + "#" + s.index());
              List<String> sni = serverNames(s);
              if (!sni.isEmpty()) b.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(sni));
              // No ALPN: the bytes after the handshake are not HTTP.
              DownstreamTlsContext tls = downstreamTls(s);
              b.setTransportSocket(TransportSocket.newBuilder().setDownstreamTls(tls.toBuilder()
                  .setCommonTlsContext(tls.getCommonTlsContext().toBuilder().clearAlpnProtocols())));
              l.addFilterChains(b);
              needsInspector = true;
            }
          }
          case TLS_PASSTHROUGH -> {
            for (FilterChain fc : passthroughChains(s)) l.addFilterChains(fc);
            if ("AUTO_PASSTHROUGH".equals(s.server().tls == null ? null : s.server().tls.mode)) {
              for (FilterChain fc : autoPassthroughChains(s)) l.addFilterChains(fc);
            }
            needsInspector = true;
          }
          case TCP -> {
            if (tcpAdded) continue;
            FilterChain fc = tcpChain(s);
            if (fc != null) {
              l.addFilterChains(fc);
              tcpAdded = true;
            }
          }
        }
      }
      if (needsInspector) l.addListenerFilters("tls_inspector");
      if (l.getFilterChainsCount() > 0) out.add(l.build());
    }
    return out;
  }

  private static List<String> serverNames(GatewayServers.Entry s) {
    List<String> out = new ArrayList<>();
    for (String h : s.server().hosts) {
      String host = GatewayServers.splitHost(h, s.gateway().namespace())[1];
      if (host.equals("*")) return List.of();
      if (!out.contains(host)) out.add(host);
    }
    return out;
  }

  private DownstreamTlsContext downstreamTls(GatewayServers.Entry s) {
    GatewaySpec.ServerTLSSettings t = s.server().tls;
    CommonTlsContext.Builder c = CommonTlsContext.newBuilder().addAlpnProtocols("h2").addAlpnProtocols("http/1.1");
    TlsParameters.Builder p = TlsParameters.newBuilder();
    if (t.minProtocolVersion != null) p.setTlsMinimumProtocolVersion(tlsVersion(t.minProtocolVersion));
    if (t.maxProtocolVersion != null) p.setTlsMaximumProtocolVersion(tlsVersion(t.maxProtocolVersion));
    if (t.cipherSuites != null) p.addAllCipherSuites(t.cipherSuites);
    c.setTlsParams(p);
    boolean mutual = "MUTUAL".equals(t.mode) || "OPTIONAL_MUTUAL".equals(t.mode);
    if (t.credentialName != null) {
      c.addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(Names.sdsName(t.credentialName)));
      if (mutual && ctx.caCert(s.gateway().namespace(), t.credentialName) != null) {
        c.setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName(Names.sdsName(t.credentialName) + "-cacert"));
      }
    } else if (t.serverCertificate != null) {
      c.addTlsCertificates(TlsCertificate.newBuilder()
          .setCertificateChain(DataSource.newBuilder().setFilename(t.serverCertificate))
          .setPrivateKey(DataSource.newBuilder().setFilename(t.privateKey)));
    }
    if (mutual && t.caCertificates != null && !c.hasValidationContextSdsSecretConfig()) {
      CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder()
          .setTrustedCa(DataSource.newBuilder().setFilename(t.caCertificates));
      if (t.subjectAltNames != null) t.subjectAltNames.forEach(n -> v.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(n)));
      c.setValidationContext(v);
    }
    return DownstreamTlsContext.newBuilder().setCommonTlsContext(c).setRequireClientCertificate("MUTUAL".equals(t.mode)).build();
  }

  private static TlsParameters.TlsProtocol tlsVersion(String v) {
    return switch (v) {
      case "TLSV1_0" -> TlsParameters.TlsProtocol.TLSv1_0;
      case "TLSV1_1" -> TlsParameters.TlsProtocol.TLSv1_1;
      case "TLSV1_2" -> TlsParameters.TlsProtocol.TLSv1_2;
      case "TLSV1_3" -> TlsParameters.TlsProtocol.TLSv1_3;
      default -> TlsParameters.TlsProtocol.TLS_AUTO;
    };
  }

  private List<FilterChain> passthroughChains(GatewayServers.Entry s) {
    List<FilterChain> out = new ArrayList<>();
    for (ConfigResource vs : ctx.virtualServices()) {
      VirtualServiceSpec spec = vs.spec(VirtualServiceSpec.class);
      if (spec.tls == null || spec.gateways == null || !RouteBuilder.matchesGateway(spec.gateways, vs.namespace(), s.gatewayName())) continue;
      if (!Visibility.visible(spec.exportTo, vs.namespace(), s.gateway().namespace())) continue;
      int chainsOfVs = 0; // chain names must be unique in a listener: the proxy keys chains by name
      for (var tr : spec.tls) {
        for (var m : tr.match) {
          if (m.port != null && m.port != s.port()) continue;
          if (m.gateways != null && !m.gateways.isEmpty() && !RouteBuilder.matchesGateway(m.gateways, vs.namespace(), s.gatewayName())) continue;
          List<String> sni = new ArrayList<>();
          for (String h : m.sniHosts) {
            for (String entry : s.server().hosts) {
              String sh = GatewayServers.splitHost(entry, s.gateway().namespace())[1];
              if (Hosts.matches(h, sh) && !sni.contains(Hosts.moreSpecific(h, sh))) sni.add(Hosts.moreSpecific(h, sh));
            }
          }
          if (sni.isEmpty()) continue;
          out.add(FilterChain.newBuilder()
              .setName(vs.namespace() + "/" + vs.name() + (chainsOfVs++ == 0 ? "" : "#" + (chainsOfVs - 1)))
              .setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(sni).setTransportProtocol("tls"))
              .addFilters(tcpProxy("outbound_" + s.bindPort(), tr.route, vs.namespace(), s.port()))
              .build());
        }
      }
    }
    return out;
  }

  /**
   * AUTO_PASSTHROUGH (Istio's east-west gateways): no VirtualService; the client's SNI names the cluster,
   * {@code outbound_.<port>_.<subset>_.<host>}, for every service the server's hosts cover.
   */
  private List<FilterChain> autoPassthroughChains(GatewayServers.Entry s) {
    List<FilterChain> out = new ArrayList<>();
    for (Service svc : ctx.services()) {
      if (!svc.visibleFrom(s.gateway().namespace())) continue;
      boolean covered = false;
      for (String entry : s.server().hosts) {
        String[] p = GatewayServers.splitHost(entry, s.gateway().namespace());
        if ((p[0] == null || p[0].equals(svc.namespace())) && Hosts.covers(p[1], svc.hostname())) covered = true;
      }
      if (!covered) continue;
      ConfigResource dr = ctx.destinationRule(svc.hostname(), proxy.namespace(), svc.namespace());
      List<String> subsets = new ArrayList<>();
      subsets.add("");
      if (dr != null) {
        var drs = dr.spec(io.minimesh.api.istio.DestinationRuleSpec.class);
        if (drs.subsets != null) drs.subsets.forEach(x -> subsets.add(x.name));
      }
      for (ServicePort sp : svc.ports()) {
        for (String subset : subsets) {
          String sni = "outbound_." + sp.number() + "_." + subset + "_." + svc.hostname();
          String cluster = Names.outbound(sp.number(), subset.isEmpty() ? null : subset, svc.hostname());
          out.add(FilterChain.newBuilder().setName(sni)
              .setFilterChainMatch(FilterChainMatch.newBuilder().addServerNames(sni).setTransportProtocol("tls"))
              .addFilters(tcpProxyTo(cluster, cluster)).build());
        }
      }
    }
    return out;
  }

  private FilterChain tcpChain(GatewayServers.Entry s) {
    for (ConfigResource vs : ctx.virtualServices()) {
      VirtualServiceSpec spec = vs.spec(VirtualServiceSpec.class);
      if (spec.tcp == null || spec.gateways == null || !RouteBuilder.matchesGateway(spec.gateways, vs.namespace(), s.gatewayName())) continue;
      if (!Visibility.visible(spec.exportTo, vs.namespace(), s.gateway().namespace())) continue;
      boolean hostOk = false;
      for (String vh : RouteBuilder.hosts(vs)) {
        for (String entry : s.server().hosts) {
          String[] p = GatewayServers.splitHost(entry, s.gateway().namespace());
          if ((p[0] == null || p[0].equals(vs.namespace())) && Hosts.matches(vh, p[1])) hostOk = true;
        }
      }
      if (!hostOk) continue;
      for (var tr : spec.tcp) {
        if (!l4Matches(tr.match, vs.namespace(), s.gatewayName(), s.port())) continue;
        return FilterChain.newBuilder().setName(vs.namespace() + "/" + vs.name())
            .addFilters(tcpProxy("outbound_" + s.bindPort(), tr.route, vs.namespace(), s.port())).build();
      }
    }
    return null;
  }

  private boolean l4Matches(List<VirtualServiceSpec.L4MatchAttributes> matches, String vsNs, String gateway, int port) {
    if (matches == null || matches.isEmpty()) return true;
    for (var m : matches) {
      if (m.port != null && m.port != port) continue;
      if (m.gateways != null && !m.gateways.isEmpty() && !RouteBuilder.matchesGateway(m.gateways, vsNs, gateway)) continue;
      if (m.sourceLabels != null && !Labels.subsetOf(m.sourceLabels, proxy.labels())) continue;
      return true;
    }
    return false;
  }

  private NetworkFilter tcpProxy(String statPrefix, List<VirtualServiceSpec.RouteDestination> dests, String ns, int port) {
    TcpProxy.Builder t = TcpProxy.newBuilder().setStatPrefix(statPrefix);
    List<VirtualServiceSpec.RouteDestination> nonZero = new ArrayList<>();
    for (var d : dests) if (dests.size() == 1 || d.weight == null || d.weight > 0) nonZero.add(d);
    if (nonZero.size() == 1) {
      t.setCluster(routes.cluster(nonZero.get(0).destination, ns, port));
    } else {
      WeightedCluster.Builder w = WeightedCluster.newBuilder();
      for (var d : nonZero) w.addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(routes.cluster(d.destination, ns, port)).setWeight(d.weight));
      t.setWeightedClusters(w);
    }
    return NetworkFilter.newBuilder().setName(TCP_PROXY).setTcpProxy(t).build();
  }

  private static NetworkFilter tcpProxyTo(String statPrefix, String cluster) {
    return NetworkFilter.newBuilder().setName(TCP_PROXY)
        .setTcpProxy(TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster(cluster)).build();
  }

  private static NetworkFilter hcm(String statPrefix, String routeName) {
    return NetworkFilter.newBuilder().setName(HCM)
        .setHttpConnectionManager(HttpConnectionManager.newBuilder().setStatPrefix(statPrefix)
            .setRds(Rds.newBuilder().setRouteConfigName(routeName)))
        .build();
  }

  /** A gateway is the mesh's edge: it records the client in x-forwarded-for, as Istio's gateways do. */
  private static NetworkFilter gatewayHcm(String statPrefix, String routeName) {
    NetworkFilter f = hcm(statPrefix, routeName);
    return f.toBuilder().setHttpConnectionManager(f.getHttpConnectionManager().toBuilder().setUseRemoteAddress(true)).build();
  }

  static Address address(String ip, int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
  }

  // ---------------- sidecars ----------------

  /**
   * Sidecar listeners. Captured traffic (iptables): virtualOutbound 15001 and per-port outbound listeners,
   * virtualInbound 15006 with a chain per captured inbound port. Explicit (Sidecar captureMode NONE, or a
   * proxy without iptables): a listener per egress entry with a port, routing by Host, and one per ingress
   * port, forwarding to the application. Capture listeners are left out when they cannot receive traffic
   * or would collide with an explicit one. {@code httpPortsOut} gets the per-port route config names used.
   */
  List<Listener> sidecar(SidecarScope scope, List<InboundPorts.InboundPort> inbound, List<SidecarEgress> egress,
      List<Integer> httpPortsOut) {
    List<Listener> explicit = new ArrayList<>();
    for (SidecarEgress e : egress) explicit.add(egressListener(scope, e));
    for (InboundPorts.InboundPort ip : inbound) {
      if (ip.captured()) continue;
      explicit.add(Listener.newBuilder().setName(ip.listenerName()).setAddress(address(ip.bind(), ip.port()))
          .setTrafficDirection(Listener.TrafficDirection.INBOUND)
          .addFilterChains(inboundChain(ip, "inbound_" + ip.listenerName())).build());
    }

    List<Listener> out = new ArrayList<>();
    if (SidecarEgress.outboundCaptured(scope, proxy)) {
      String fallback = scope.registryOnly() ? Names.BLACKHOLE : Names.PASSTHROUGH;
      Listener vo = Listener.newBuilder().setName(Names.VIRTUAL_OUTBOUND).setAddress(address(proxy.bindIp(), OUTBOUND_PORT))
          .setUseOriginalDst(true).setTrafficDirection(Listener.TrafficDirection.OUTBOUND)
          .setDefaultFilterChain(FilterChain.newBuilder().setName(fallback).addFilters(tcpProxyTo(fallback, fallback)))
          .build();
      if (!collides(vo, explicit)) out.add(vo);
      out.addAll(capturedOutbound(scope, httpPortsOut));
    }
    out.addAll(explicit);

    List<InboundPorts.InboundPort> captured = inbound.stream().filter(InboundPorts.InboundPort::captured).toList();
    boolean onlyExplicitInbound = !inbound.isEmpty() && captured.isEmpty();
    if (!proxy.interceptionNone() && !onlyExplicitInbound) {
      Listener.Builder in = Listener.newBuilder().setName(Names.VIRTUAL_INBOUND).setAddress(address(proxy.bindIp(), INBOUND_PORT))
          // Istio: the original destination only selects the chain (destination_port); handing the
          // connection to a listener of that address would send inbound traffic back out.
          .setTrafficDirection(Listener.TrafficDirection.INBOUND).addListenerFilters("original_dst")
          .setDefaultFilterChain(FilterChain.newBuilder().setName(Names.INBOUND_PASSTHROUGH)
              .addFilters(tcpProxyTo(Names.INBOUND_PASSTHROUGH, Names.INBOUND_PASSTHROUGH)));
      for (InboundPorts.InboundPort ip : captured) {
        in.addFilterChains(inboundChain(ip, "inbound_0.0.0.0_" + ip.port()).toBuilder()
            .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(ip.port())));
      }
      Listener vi = in.build();
      if (!collides(vi, explicit)) out.add(vi);
    }
    return out;
  }

  /** Per service port listeners that only receive traffic redirected by iptables (bind_to_port false). */
  private List<Listener> capturedOutbound(SidecarScope scope, List<Integer> httpPortsOut) {
    List<Listener> out = new ArrayList<>();
    Map<Integer, String> httpPorts = new TreeMap<>();
    Map<String, Listener> tcpListeners = new LinkedHashMap<>();
    for (Service svc : scope.services()) {
      for (ServicePort sp : svc.ports()) {
        if (sp.isHttp()) httpPorts.putIfAbsent(sp.number(), sp.protocol());
      }
    }
    for (Service svc : scope.services()) {
      for (ServicePort sp : svc.ports()) {
        if (sp.isHttp()) continue;
        List<String> addrs = svc.addresses().isEmpty() ? List.of("0.0.0.0") : svc.addresses();
        for (String a : addrs) {
          String ip = a.contains("/") ? a.substring(0, a.indexOf('/')) : a;
          String name = ip + "_" + sp.number();
          if (ip.equals("0.0.0.0") && httpPorts.containsKey(sp.number())) continue; // HTTP owns the wildcard
          if (isTls(sp.protocol())) {
            // TLS ports: one filter chain per SNI (Istio), so several TLS services share the port.
            Listener prev = tcpListeners.get(name);
            if (prev != null && !prev.getListenerFiltersList().contains("tls_inspector")) continue;
            Listener.Builder l = prev != null ? prev.toBuilder() : Listener.newBuilder().setName(name).setAddress(address(ip, sp.number()))
                .setBindToPort(false).setTrafficDirection(Listener.TrafficDirection.OUTBOUND).addListenerFilters("tls_inspector");
            java.util.Set<String> used = new java.util.HashSet<>();
            l.getFilterChainsList().forEach(fc -> used.addAll(fc.getFilterChainMatch().getServerNamesList()));
            for (FilterChain fc : tlsChainsFor(scope, svc, sp)) {
              if (fc.getFilterChainMatch().getServerNamesList().stream().anyMatch(used::contains)) continue;
              used.addAll(fc.getFilterChainMatch().getServerNamesList());
              l.addFilterChains(fc);
            }
            tcpListeners.put(name, l.build());
            continue;
          }
          if (tcpListeners.containsKey(name)) continue;
          Listener.Builder l = Listener.newBuilder().setName(name).setAddress(address(ip, sp.number()))
              .setBindToPort(false).setTrafficDirection(Listener.TrafficDirection.OUTBOUND)
              .addFilterChains(FilterChain.newBuilder().addFilters(tcpFilterFor(scope, svc, sp)));
          tcpListeners.put(name, l.build());
        }
      }
    }
    for (var e : httpPorts.entrySet()) {
      int port = e.getKey();
      out.add(Listener.newBuilder().setName("0.0.0.0_" + port).setAddress(address("0.0.0.0", port)).setBindToPort(false)
          .setTrafficDirection(Listener.TrafficDirection.OUTBOUND)
          .addFilterChains(FilterChain.newBuilder().addFilters(hcm("outbound_0.0.0.0_" + port, Integer.toString(port))))
          .build());
      httpPortsOut.add(port);
    }
    out.addAll(tcpListeners.values());
    return out;
  }

  /** An explicitly bound egress listener: HTTP routes by Host (RDS {@link SidecarEgress#routeName()}). */
  private Listener egressListener(SidecarScope scope, SidecarEgress e) {
    Listener.Builder l = Listener.newBuilder().setName(e.listenerName()).setAddress(address(e.bind(), e.port()))
        .setTrafficDirection(Listener.TrafficDirection.OUTBOUND);
    if (e.isHttp()) {
      l.addFilterChains(FilterChain.newBuilder().addFilters(hcm("outbound_" + e.listenerName(), e.routeName())));
    } else {
      // TCP has no Host: the first imported service with this port, else the outbound traffic policy.
      NetworkFilter f = null;
      for (Service svc : scope.services()) {
        if (!SidecarScope.allowed(e.hosts(), svc.namespace(), svc.hostname(), proxy.namespace())) continue;
        ServicePort sp = svc.port(e.port()).orElse(null);
        if (sp != null) {
          f = tcpFilterFor(scope, svc, sp);
          break;
        }
      }
      if (f == null) {
        String fallback = scope.registryOnly() ? Names.BLACKHOLE : Names.PASSTHROUGH;
        f = tcpProxyTo(fallback, fallback);
      }
      l.addFilterChains(FilterChain.newBuilder().addFilters(f));
    }
    return l.build();
  }

  /** Everything arriving on an inbound port goes to the application ({@code inbound|port||}). */
  private static FilterChain inboundChain(InboundPorts.InboundPort ip, String statPrefix) {
    String cluster = Names.inbound(ip.port());
    FilterChain.Builder fc = FilterChain.newBuilder().setName(cluster);
    if (io.minimesh.pilot.model.Protocols.isHttp(ip.protocol())) {
      RouteConfiguration rc = RouteConfiguration.newBuilder().setName(cluster)
          .addVirtualHosts(VirtualHost.newBuilder().setName("inbound|http|" + ip.port()).addDomains("*")
              .addRoutes(Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                  .setRoute(RouteAction.newBuilder().setCluster(cluster)
                      .setTimeout(io.minimesh.api.istio.IstioDuration.toProto(java.time.Duration.ZERO)))))
          .build();
      fc.addFilters(NetworkFilter.newBuilder().setName(HCM).setHttpConnectionManager(
          HttpConnectionManager.newBuilder().setStatPrefix(statPrefix).setRouteConfig(rc)));
    } else {
      fc.addFilters(tcpProxyTo(cluster, cluster));
    }
    return fc.build();
  }

  /** Same port on the same address, or on the wildcard and any address: the second bind would fail. */
  private static boolean collides(Listener l, List<Listener> others) {
    var a = l.getAddress().getSocketAddress();
    for (Listener o : others) {
      var b = o.getAddress().getSocketAddress();
      if (a.getPortValue() != b.getPortValue()) continue;
      if (a.getAddress().equals(b.getAddress()) || isWildcard(a.getAddress()) || isWildcard(b.getAddress())) return true;
    }
    return false;
  }

  private static boolean isWildcard(String ip) {
    return ip.equals("0.0.0.0") || ip.equals("::");
  }

  private static boolean isTls(String protocol) {
    return protocol.equals("TLS") || protocol.equals("HTTPS");
  }

  /**
   * Sidecar filter chains of a TLS service port: the VirtualService tls[] routes for the host (SNI from
   * their sniHosts), then the host itself as SNI to its own cluster.
   */
  private List<FilterChain> tlsChainsFor(SidecarScope scope, Service svc, ServicePort sp) {
    List<FilterChain> out = new ArrayList<>();
    String statPrefix = Names.outbound(sp.number(), null, svc.hostname());
    for (ConfigResource vs : scope.virtualServices()) {
      VirtualServiceSpec spec = vs.spec(VirtualServiceSpec.class);
      if (spec.tls == null) continue;
      if (spec.gateways != null && !spec.gateways.isEmpty() && !spec.gateways.contains("mesh")) continue;
      if (RouteBuilder.hosts(vs).stream().noneMatch(h -> Hosts.covers(h, svc.hostname()))) continue;
      for (var tr : spec.tls) {
        for (var m : tr.match) {
          if (m.port != null && m.port != sp.number()) continue;
          if (m.sourceLabels != null && !Labels.subsetOf(m.sourceLabels, proxy.labels())) continue;
          if (m.gateways != null && !m.gateways.isEmpty() && !m.gateways.contains("mesh")) continue;
          List<String> sni = m.sniHosts.stream().map(h -> Hosts.resolve(h, vs.namespace())).filter(h -> Hosts.matches(h, svc.hostname())).toList();
          if (sni.isEmpty()) continue;
          out.add(FilterChain.newBuilder().setName(vs.namespace() + "/" + vs.name())
              .setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(sni).setTransportProtocol("tls"))
              .addFilters(tcpProxy(statPrefix, tr.route, vs.namespace(), sp.number())).build());
        }
      }
      break; // one VirtualService per host (Istio)
    }
    out.add(FilterChain.newBuilder().setName(statPrefix)
        .setFilterChainMatch(FilterChainMatch.newBuilder().addServerNames(svc.hostname()).setTransportProtocol("tls"))
        .addFilters(tcpProxyTo(statPrefix, statPrefix)).build());
    return out;
  }

  /** tcp_proxy of the first VirtualService tcp[] route for the service, else to the service's own cluster. */
  private NetworkFilter tcpFilterFor(SidecarScope scope, Service svc, ServicePort sp) {
    String statPrefix = Names.outbound(sp.number(), null, svc.hostname());
    for (ConfigResource vs : scope.virtualServices()) {
      VirtualServiceSpec spec = vs.spec(VirtualServiceSpec.class);
      if (spec.tcp == null) continue;
      if (RouteBuilder.hosts(vs).stream().noneMatch(h -> Hosts.covers(h, svc.hostname()))) continue;
      for (var tr : spec.tcp) {
        if (l4Matches(tr.match, vs.namespace(), "mesh", sp.number())) return tcpProxy(statPrefix, tr.route, vs.namespace(), sp.number());
      }
    }
    return tcpProxyTo(statPrefix, Names.outbound(sp.number(), null, svc.hostname()));
  }
}
