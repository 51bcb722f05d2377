package io.minimesh.pilot.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.minimesh.api.istio.DestinationRuleSpec;
import io.minimesh.api.istio.DestinationRuleSpec.TrafficPolicy;
import io.minimesh.api.istio.IstioDuration;
import io.minimesh.api.xds.v1.CertificateValidationContext;
import io.minimesh.api.xds.v1.CircuitBreakers;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.CommonLbConfig;
import io.minimesh.api.xds.v1.CommonTlsContext;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.Http2ProtocolOptions;
import io.minimesh.api.xds.v1.LbEndpoint;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.api.xds.v1.MaglevLbConfig;
import io.minimesh.api.xds.v1.Metadata;
import io.minimesh.api.xds.v1.OutlierDetection;
import io.minimesh.api.xds.v1.Percent;
import io.minimesh.api.xds.v1.RingHashLbConfig;
import io.minimesh.api.xds.v1.SdsSecretConfig;
import io.minimesh.api.xds.v1.StringMatcher;
import io.minimesh.api.xds.v1.TlsCertificate;
import io.minimesh.api.xds.v1.TransportSocket;
import io.minimesh.api.xds.v1.UpstreamTlsContext;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.Protocols;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.model.Service;
import io.minimesh.pilot.model.ServicePort;
import java.time.Duration;
import java.util.Map;

/** CDS: outbound|port|subset|host clusters with the DestinationRule's traffic policy, and the special ones. */
final class ClusterBuilder {
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final PushContext ctx;
  private final Proxy proxy;
  private final EndpointBuilder endpoints;

  ClusterBuilder(PushContext ctx, Proxy proxy, EndpointBuilder endpoints) {
    this.ctx = ctx;
    this.proxy = proxy;
    this.endpoints = endpoints;
  }

  /** The cluster for an outbound name, or null if its service or subset does not exist. */
  Cluster outbound(String name) {
    OutboundTarget t = OutboundTarget.resolve(ctx, proxy, name);
    if (t == null) return null;
    // Cache by inputs: the same cluster for every proxy that resolves the same rule and locality.
    Object key = java.util.List.of("cds", name, t.inputsKey(), proxy.locality());
    return ctx.cached(key, () -> build(name, t.service(), t.port(), t.destinationRule(), t.trafficPolicy(),
        t.subset(), t.subsetLabels()));
  }

  private Cluster build(String name, Service svc, ServicePort sp, ConfigResource dr, TrafficPolicy tp, String subset,
      Map<String, String> subsetLabels) {
    Cluster.Builder c = Cluster.newBuilder().setName(name).setAltStatName(svc.hostname())
        .setConnectTimeout(IstioDuration.toProto(DEFAULT_CONNECT_TIMEOUT));
    switch (svc.resolution()) {
      case STATIC -> c.setType(Cluster.DiscoveryType.EDS)
          .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name));
      case DNS, DNS_ROUND_ROBIN -> {
        c.setType(svc.resolution() == Service.Resolution.DNS ? Cluster.DiscoveryType.STRICT_DNS : Cluster.DiscoveryType.LOGICAL_DNS);
        c.setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED);
        ClusterLoadAssignment cla = endpoints.assignment(name, svc, sp, subsetLabels, tp);
        if (cla.getEndpointsCount() == 0) {
          // No endpoints listed: the host name itself is resolved (Istio).
          cla = cla.toBuilder().addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(
              LbEndpoint.newBuilder().setEndpoint(io.minimesh.api.xds.v1.Endpoint.newBuilder()
                  .setAddress(ListenerBuilder.address(svc.hostname(), sp.targetPort() > 0 ? sp.targetPort() : sp.number()))))).build();
        }
        c.setLoadAssignment(cla);
      }
      case NONE -> c.setType(Cluster.DiscoveryType.ORIGINAL_DST);
    }
    if (Protocols.isHttp2(sp.protocol())) c.setUpstreamProtocol(Cluster.UpstreamProtocol.HTTP2);
    Struct.Builder istio = Struct.newBuilder();
    istio.putFields("services", Value.newBuilder().setListValue(com.google.protobuf.ListValue.newBuilder().addValues(
        Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("host", str(svc.hostname()))
            .putFields("name", str(shortName(svc)))
            .putFields("namespace", str(svc.namespace()))))).build());
    if (subset != null) istio.putFields("subset", str(subset));
    if (dr != null) istio.putFields("config", str(Names.drPath(dr.namespace(), dr.name())));
    c.setMetadata(Metadata.newBuilder().putFilterMetadata("istio", istio.build()));
    c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(defaultThresholds()));
    if (tp != null) apply(c, tp, svc, sp);
    return c.build();
  }

  private static String shortName(Service svc) {
    int dot = svc.hostname().indexOf('.');
    return dot > 0 ? svc.hostname().substring(0, dot) : svc.hostname();
  }

  private static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private void apply(Cluster.Builder c, TrafficPolicy tp, Service svc, ServicePort sp) {
    CommonLbConfig.Builder common = null;
    var lb = tp.loadBalancer;
    if (lb != null) {
      if (lb.simple != null) {
        switch (lb.simple) {
          case "LEAST_REQUEST", "LEAST_CONN" -> c.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
          case "RANDOM" -> c.setLbPolicy(Cluster.LbPolicy.RANDOM);
          case "PASSTHROUGH" -> {
            c.setType(Cluster.DiscoveryType.ORIGINAL_DST).clearEdsClusterConfig().clearLoadAssignment();
          }
          default -> c.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
        }
      } else if (lb.consistentHash != null) {
        var ch = lb.consistentHash;
        if (ch.maglev != null) {
          c.setLbPolicy(Cluster.LbPolicy.MAGLEV);
          if (ch.maglev.tableSize != null) c.setMaglevLbConfig(MaglevLbConfig.newBuilder().setTableSize(ch.maglev.tableSize));
        } else {
          c.setLbPolicy(Cluster.LbPolicy.RING_HASH);
          Long min = ch.ringHash != null && ch.ringHash.minimumRingSize != null ? ch.ringHash.minimumRingSize : ch.minimumRingSize;
          if (min != null) c.setRingHashLbConfig(RingHashLbConfig.newBuilder().setMinimumRingSize(min));
        }
      }
      var loc = lb.localityLbSetting;
      if (loc != null && !Boolean.FALSE.equals(loc.enabled) && loc.distribute != null && !proxy.locality().isEmpty()) {
        for (var d : loc.distribute) {
          if (EndpointBuilder.localityMatches(d.from, proxy.locality())) {
            common = CommonLbConfig.newBuilder().setLocalityWeightedLbConfig(CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance());
            for (var e : new java.util.TreeMap<>(d.to).entrySet()) common.putLocalityDistribute(e.getKey(), e.getValue());
            break;
          }
        }
      }
    }
    var cp = tp.connectionPool;
    if (cp != null) {
      // Istio: a zero (unset) limit keeps the default; the thresholds start from the mesh defaults.
      CircuitBreakers.Thresholds.Builder th = c.getCircuitBreakers().getThresholdsCount() > 0
          ? c.getCircuitBreakers().getThresholds(0).toBuilder() : defaultThresholds().toBuilder();
      if (cp.tcp != null) {
        if (positive(cp.tcp.maxConnections)) th.setMaxConnections(cp.tcp.maxConnections);
        if (cp.tcp.connectTimeout != null) c.setConnectTimeout(IstioDuration.toProto(IstioDuration.parse(cp.tcp.connectTimeout)));
        if (cp.tcp.idleTimeout != null) c.setIdleTimeout(IstioDuration.toProto(IstioDuration.parse(cp.tcp.idleTimeout)));
        if (cp.tcp.maxConnectionDuration != null) {
          c.setMaxConnectionDuration(IstioDuration.toProto(IstioDuration.parse(cp.tcp.maxConnectionDuration)));
        }
        var ka = cp.tcp.tcpKeepalive;
        if (ka != null) {
          io.minimesh.api.xds.v1.TcpKeepalive.Builder k = io.minimesh.api.xds.v1.TcpKeepalive.newBuilder();
          if (positive(ka.probes)) k.setKeepaliveProbes(ka.probes);
          if (ka.time != null) k.setKeepaliveTime((int) IstioDuration.parse(ka.time).toSeconds());
          if (ka.interval != null) k.setKeepaliveInterval((int) IstioDuration.parse(ka.interval).toSeconds());
          c.setTcpKeepalive(k);
        }
      }
      if (cp.http != null) {
        if (positive(cp.http.http1MaxPendingRequests)) th.setMaxPendingRequests(cp.http.http1MaxPendingRequests);
        if (positive(cp.http.http2MaxRequests)) th.setMaxRequests(cp.http.http2MaxRequests);
        if (positive(cp.http.maxRetries)) th.setMaxRetries(cp.http.maxRetries);
        if (positive(cp.http.maxRequestsPerConnection)) c.setMaxRequestsPerConnection(cp.http.maxRequestsPerConnection);
        // http.idleTimeout wins over tcp.idleTimeout (Istio applies it last).
        if (cp.http.idleTimeout != null) c.setIdleTimeout(IstioDuration.toProto(IstioDuration.parse(cp.http.idleTimeout)));
        if ("UPGRADE".equals(cp.http.h2UpgradePolicy) && sp.isHttp() && !Protocols.isHttp2(sp.protocol())) {
          c.setUpstreamProtocol(Cluster.UpstreamProtocol.HTTP2);
        }
        if (Boolean.TRUE.equals(cp.http.useClientProtocol)) c.setUpstreamProtocol(Cluster.UpstreamProtocol.USE_DOWNSTREAM);
        if (positive(cp.http.maxConcurrentStreams)) {
          c.setHttp2ProtocolOptions(Http2ProtocolOptions.newBuilder().setMaxConcurrentStreams(cp.http.maxConcurrentStreams));
        }
      }
      c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(th));
    }
    var od = tp.outlierDetection;
    if (od != null) {
      c.setOutlierDetection(outlierDetection(od));
      // Istio always sets the panic threshold with outlier detection (minHealthPercent, default 0: no
      // panic mode), since services with few endpoints would otherwise panic as soon as one is ejected.
      if (common == null) common = CommonLbConfig.newBuilder();
      common.setHealthyPanicThreshold(Percent.newBuilder().setValue(od.minHealthPercent == null ? 0 : od.minHealthPercent));
    }
    if (common != null) c.setCommonLbConfig(common);
    var tls = tp.tls;
    if (tls != null && ("SIMPLE".equals(tls.mode) || "MUTUAL".equals(tls.mode))) {
      CommonTlsContext.Builder ct = CommonTlsContext.newBuilder();
      if (tls.credentialName != null) {
        if ("MUTUAL".equals(tls.mode)) ct.addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(Names.sdsName(tls.credentialName)));
        ct.setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName(Names.sdsName(tls.credentialName) + "-cacert"));
      } else {
        if ("MUTUAL".equals(tls.mode) && tls.clientCertificate != null) {
          ct.addTlsCertificates(TlsCertificate.newBuilder()
              .setCertificateChain(DataSource.newBuilder().setFilename(tls.clientCertificate))
              .setPrivateKey(DataSource.newBuilder().setFilename(tls.privateKey)));
        }
        if (tls.caCertificates != null && !Boolean.TRUE.equals(tls.insecureSkipVerify)) {
          CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder()
              .setTrustedCa(DataSource.newBuilder().setFilename(tls.caCertificates));
          if (tls.subjectAltNames != null) tls.subjectAltNames.forEach(n -> v.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(n)));
          ct.setValidationContext(v);
        }
      }
      String sni = tls.sni != null ? tls.sni : svc.meshExternal() ? svc.hostname() : "";
      c.setTransportSocket(TransportSocket.newBuilder().setUpstreamTls(UpstreamTlsContext.newBuilder().setCommonTlsContext(ct).setSni(sni)));
    }
  }

  /**
   * Istio's outlier detection: each consecutive-error kind enforced at 100 % when its count is above 0;
   * the deprecated consecutiveErrors counts gateway errors (502/503/504) only, as Istio translated it.
   */
  static OutlierDetection outlierDetection(DestinationRuleSpec.OutlierDetection od) {
    OutlierDetection.Builder o = OutlierDetection.newBuilder();
    if (od.consecutiveErrors != null && od.consecutiveErrors > 0) {
      o.setConsecutiveGatewayFailure(od.consecutiveErrors).setEnforcingConsecutiveGatewayFailure(100).setEnforcingConsecutive5Xx(0);
    }
    if (od.consecutive5xxErrors != null) {
      int v = od.consecutive5xxErrors;
      o.setConsecutive5Xx(v).setEnforcingConsecutive5Xx(v > 0 ? 100 : 0);
    }
    if (od.consecutiveGatewayErrors != null) {
      int v = od.consecutiveGatewayErrors;
      o.setConsecutiveGatewayFailure(v).setEnforcingConsecutiveGatewayFailure(v > 0 ? 100 : 0);
    }
    if (od.interval != null) o.setInterval(IstioDuration.toProto(IstioDuration.parse(od.interval)));
    if (od.baseEjectionTime != null) o.setBaseEjectionTime(IstioDuration.toProto(IstioDuration.parse(od.baseEjectionTime)));
    if (positive(od.maxEjectionPercent)) o.setMaxEjectionPercent(od.maxEjectionPercent);
    if (Boolean.TRUE.equals(od.splitExternalLocalOriginErrors)) {
      o.setSplitExternalLocalOriginErrors(true);
      if (positive(od.consecutiveLocalOriginFailures)) o.setConsecutiveLocalOriginFailure(od.consecutiveLocalOriginFailures);
    }
    return o.build();
  }

  /**
   * Istio lifts Envoy's default circuit-breaker limits (1024 connections, pending and requests, 3
   * retries) to "unlimited" on every outbound cluster; a DestinationRule lowers them. Istio uses
   * 2^32-1; 2^31-1 is as unlimited in practice and reads the same as a signed Java int.
   */
  static CircuitBreakers.Thresholds defaultThresholds() {
    int max = Integer.MAX_VALUE;
    return CircuitBreakers.Thresholds.newBuilder().setMaxConnections(max).setMaxPendingRequests(max)
        .setMaxRequests(max).setMaxRetries(max).build();
  }

  private static boolean positive(Integer v) {
    return v != null && v > 0;
  }

  // ---- special clusters ----

  static Cluster blackhole() {
    return Cluster.newBuilder().setName(Names.BLACKHOLE).setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(IstioDuration.toProto(DEFAULT_CONNECT_TIMEOUT))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(Names.BLACKHOLE)).build();
  }

  static Cluster passthrough(String name) {
    Cluster.Builder c = Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setConnectTimeout(IstioDuration.toProto(DEFAULT_CONNECT_TIMEOUT));
    if (name.equals(Names.INBOUND_PASSTHROUGH)) {
      // Istio: from 127.0.0.6, which iptables never captures; from the proxy's UID to the pod's own
      // IP the connection would be redirected back to 15006.
      c.setUpstreamBindConfig(io.minimesh.api.xds.v1.BindConfig.newBuilder().setSourceAddress(
          io.minimesh.api.xds.v1.SocketAddress.newBuilder().setAddress("127.0.0.6")));
    }
    return c.build();
  }

  static Cluster inbound(InboundPorts.InboundPort p) {
    String name = Names.inbound(p.port());
    Cluster.Builder c = Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(IstioDuration.toProto(DEFAULT_CONNECT_TIMEOUT))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(
            LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(
                io.minimesh.api.xds.v1.Endpoint.newBuilder().setAddress(ListenerBuilder.address(p.appHost(), p.appPort()))))))
        .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(defaultThresholds()));
    if (Protocols.isHttp2(p.protocol())) c.setUpstreamProtocol(Cluster.UpstreamProtocol.HTTP2);
    return c.build();
  }
}
