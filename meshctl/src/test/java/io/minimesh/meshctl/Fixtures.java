package io.minimesh.meshctl;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.minimesh.api.xds.v1.Address;
import io.minimesh.api.xds.v1.Admin;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.CertificateValidationContext;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterDump;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.CommonTlsContext;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.DirectResponseAction;
import io.minimesh.api.xds.v1.DownstreamTlsContext;
import io.minimesh.api.xds.v1.DynamicResources;
import io.minimesh.api.xds.v1.Endpoint;
import io.minimesh.api.xds.v1.EndpointDump;
import io.minimesh.api.xds.v1.FaultPolicy;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.FilterChainMatch;
import io.minimesh.api.xds.v1.HealthStatus;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.HttpFilter;
import io.minimesh.api.xds.v1.LbEndpoint;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.ListenerDump;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.api.xds.v1.Metadata;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.OutlierDetection;
import io.minimesh.api.xds.v1.Percent;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.api.xds.v1.Rds;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteAction;
import io.minimesh.api.xds.v1.RouteConfigDump;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.SdsSecretConfig;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.SecretDump;
import io.minimesh.api.xds.v1.SocketAddress;
import io.minimesh.api.xds.v1.StaticResources;
import io.minimesh.api.xds.v1.TcpProxy;
import io.minimesh.api.xds.v1.TlsCertificate;
import io.minimesh.api.xds.v1.TransportSocket;
import io.minimesh.api.xds.v1.VirtualHost;
import io.minimesh.api.xds.v1.WeightedCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Config dumps shaped like what pilot generates for Istio's bookinfo: the ingress gateway and the
 * reviews-v1 sidecar. Built with the protos, so they always match the contract.
 */
public final class Fixtures {
  static final Timestamp UPDATED = Timestamp.newBuilder().setSeconds(1795000000L).build();
  static final String VERSION = "2026-11-25T18:00:00Z/42";

  static final String PRODUCTPAGE = "outbound|9080||productpage.default.svc.cluster.local";
  static final String REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
  static final String REVIEWS_V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
  static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
  static final String MONGO = "outbound|27017||mongodb.default.svc.cluster.local";

  // ---- the ingress gateway ----

  public static ConfigDump gateway() {
    ConfigDump.Builder d = ConfigDump.newBuilder();
    d.setBootstrap(
        Bootstrap.newBuilder()
            .setNode(
                Node.newBuilder()
                    .setId("istio-ingressgateway.istio-system")
                    .setCluster("istio-ingressgateway")
                    .setProxyType(ProxyType.ROUTER)
                    .setNamespace("istio-system")
                    .putLabels("istio", "ingressgateway")
                    .addIpAddresses("127.0.0.2")
                    .setAdminAddress("127.0.0.2:15000")
                    .setVersion("0.1.0-SNAPSHOT")
                    .putMetadata("PORT_MAP", "80:8080,443:8443"))
            .setAdmin(Admin.newBuilder().setAddress(addr("127.0.0.2", 15000)))
            .setDynamicResources(DynamicResources.newBuilder().setAdsAddress("127.0.0.1:15010")));

    d.addListeners(dynamic(httpListener("0.0.0.0_8080", "0.0.0.0", 8080, "http.8080")));
    d.addListeners(
        dynamic(
            Listener.newBuilder()
                .setName("0.0.0.0_8443")
                .setAddress(addr("0.0.0.0", 8443))
                .addListenerFilters("tls_inspector")
                .addFilterChains(
                    FilterChain.newBuilder()
                        .setFilterChainMatch(
                            FilterChainMatch.newBuilder().addServerNames("bookinfo.example.com"))
                        .addFilters(hcm(Rds.newBuilder().setRouteConfigName("https.443.https.bookinfo-gateway.default")))
                        .setTransportSocket(
                            TransportSocket.newBuilder()
                                .setDownstreamTls(
                                    DownstreamTlsContext.newBuilder()
                                        .setCommonTlsContext(
                                            CommonTlsContext.newBuilder()
                                                .addTlsCertificateSdsSecretConfigs(
                                                    SdsSecretConfig.newBuilder().setName("kubernetes://bookinfo-credential"))
                                                .addAlpnProtocols("h2")
                                                .addAlpnProtocols("http/1.1")))))
                .addFilterChains(
                    FilterChain.newBuilder()
                        .setFilterChainMatch(
                            FilterChainMatch.newBuilder()
                                .addServerNames("mongo.example.com")
                                .setTransportProtocol("tls"))
                        .addFilters(tcp(MONGO)))
                .build()));

    d.addRouteConfigs(
        dynamic(
            RouteConfiguration.newBuilder()
                .setName("http.8080")
                .addVirtualHosts(
                    VirtualHost.newBuilder()
                        .setName("bookinfo.example.com:80")
                        .addDomains("bookinfo.example.com")
                        .addDomains("bookinfo.example.com:*")
                        .addRoutes(route(RouteMatch.newBuilder().setPath("/productpage"), PRODUCTPAGE, "bookinfo", "default"))
                        .addRoutes(route(RouteMatch.newBuilder().setPrefix("/static"), PRODUCTPAGE, "bookinfo", "default"))
                        .addRoutes(route(RouteMatch.newBuilder().setPath("/login"), PRODUCTPAGE, "bookinfo", "default"))
                        .addRoutes(
                            Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/api/v1/products"))
                                .setRoute(
                                    RouteAction.newBuilder()
                                        .setWeightedClusters(
                                            WeightedCluster.newBuilder()
                                                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(REVIEWS_V1).setWeight(80))
                                                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(REVIEWS_V2).setWeight(20))))
                                .setMetadata(istio("virtual-service", "reviews-split", "default"))))
                .addVirtualHosts(
                    VirtualHost.newBuilder()
                        .setName("blackhole:80")
                        .addDomains("*")
                        .addRoutes(
                            Route.newBuilder()
                                .setName("default")
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(404))))
                .build()));
    d.addRouteConfigs(
        dynamic(
            RouteConfiguration.newBuilder()
                .setName("https.443.https.bookinfo-gateway.default")
                .addVirtualHosts(
                    VirtualHost.newBuilder()
                        .setName("bookinfo.example.com:443")
                        .addDomains("bookinfo.example.com")
                        .addDomains("bookinfo.example.com:*")
                        .addRoutes(route(RouteMatch.newBuilder().setPrefix("/"), PRODUCTPAGE, "bookinfo", "default")))
                .build()));

    d.addClusters(dynamic(edsCluster(PRODUCTPAGE, null)));
    d.addClusters(dynamic(edsCluster(REVIEWS_V1, "reviews")));
    d.addClusters(dynamic(edsCluster(REVIEWS_V2, "reviews")));
    d.addClusters(dynamic(edsCluster(MONGO, null)));
    d.addClusters(
        ClusterDump.newBuilder()
            .setCluster(
                Cluster.newBuilder()
                    .setName("BlackHoleCluster")
                    .setType(Cluster.DiscoveryType.STATIC)
                    .setConnectTimeout(Duration.newBuilder().setSeconds(10)))
            .setVersionInfo(VERSION)
            .setLastUpdated(UPDATED)
            .setState("dynamic_active"));
    d.addClusters(
        ClusterDump.newBuilder()
            .setCluster(
                Cluster.newBuilder()
                    .setName("xds-grpc")
                    .setType(Cluster.DiscoveryType.STRICT_DNS)
                    .setLoadAssignment(cla("xds-grpc", lb("127.0.0.1", 15010, HealthStatus.UNKNOWN))))
            .setLastUpdated(UPDATED)
            .setState("static"));

    d.addEndpoints(
        EndpointDump.newBuilder()
            .setEndpointConfig(
                cla(PRODUCTPAGE, lb("127.0.0.11", 9080, HealthStatus.HEALTHY), lb("127.0.0.12", 9080, HealthStatus.UNHEALTHY)))
            .setVersionInfo(VERSION)
            .setLastUpdated(UPDATED)
            .setState("dynamic_active"));
    d.addEndpoints(
        EndpointDump.newBuilder()
            .setEndpointConfig(cla(REVIEWS_V1, lb("127.0.0.21", 9080, HealthStatus.HEALTHY)))
            .setVersionInfo(VERSION)
            .setState("dynamic_active"));

    d.addSecrets(
        SecretDump.newBuilder()
            .setSecret(
                Secret.newBuilder()
                    .setName("kubernetes://bookinfo-credential")
                    .setTlsCertificate(
                        TlsCertificate.newBuilder()
                            .setCertificateChain(DataSource.newBuilder().setInlineBytes(resource("bookinfo.pem")))
                            .setPrivateKey(DataSource.newBuilder().setInlineString("[redacted]"))))
            .setVersionInfo(VERSION)
            .setLastUpdated(UPDATED)
            .setState("dynamic_active"));
    d.addSecrets(
        SecretDump.newBuilder()
            .setSecret(
                Secret.newBuilder()
                    .setName("kubernetes://bookinfo-credential-cacert")
                    .setValidationContext(
                        CertificateValidationContext.newBuilder()
                            .setTrustedCa(DataSource.newBuilder().setInlineString(resource("ca.pem").toStringUtf8()))))
            .setVersionInfo(VERSION)
            .setState("dynamic_warming"));
    d.addSecrets(
        SecretDump.newBuilder()
            .setSecret(
                Secret.newBuilder()
                    .setName("kubernetes://broken")
                    .setTlsCertificate(
                        TlsCertificate.newBuilder()
                            .setCertificateChain(DataSource.newBuilder().setInlineString("-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n"))))
            .setState("dynamic_active"));
    return d.build();
  }

  /** Envoy-shaped /clusters?format=json of the gateway. */
  public static String gatewayClustersJson() {
    return """
        {"cluster_statuses":[
          {"name":"outbound|9080||productpage.default.svc.cluster.local","added_via_api":true,"host_statuses":[
            {"address":{"socket_address":{"address":"127.0.0.11","port_value":9080}},
             "stats":[{"name":"rq_success","value":"12"}],
             "health_status":{"eds_health_status":"HEALTHY"},"weight":1,"locality":{}},
            {"address":{"socket_address":{"address":"127.0.0.12","port_value":9080}},
             "health_status":{"eds_health_status":"HEALTHY","failed_outlier_check":true},"weight":1}]},
          {"name":"outbound|9080|v1|reviews.default.svc.cluster.local","added_via_api":true,"host_statuses":[
            {"address":{"socket_address":{"address":"127.0.0.21","port_value":9080}},
             "health_status":{"eds_health_status":"UNHEALTHY"},"weight":3}]},
          {"name":"BlackHoleCluster","added_via_api":true}
        ]}
        """;
  }

  // ---- the reviews-v1 sidecar ----

  public static ConfigDump sidecar() {
    ConfigDump.Builder d = ConfigDump.newBuilder();
    d.setBootstrap(
        Bootstrap.newBuilder()
            .setNode(
                Node.newBuilder()
                    .setId("reviews-v1.default")
                    .setCluster("reviews")
                    .setNamespace("default")
                    .putLabels("app", "reviews")
                    .putLabels("version", "v1")
                    .addIpAddresses("127.0.0.21")
                    .setAdminAddress("127.0.0.21:15000")
                    .setVersion("0.1.0-SNAPSHOT"))
            .setAdmin(Admin.newBuilder().setAddress(addr("127.0.0.21", 15000)))
            .setDynamicResources(DynamicResources.newBuilder().setAdsAddress("127.0.0.1:15010")));
    d.addListeners(
        dynamic(
            Listener.newBuilder()
                .setName("virtualOutbound")
                .setAddress(addr("0.0.0.0", 15001))
                .setUseOriginalDst(true)
                .setTrafficDirection(Listener.TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder().setName("virtualOutbound-catchall-tcp").addFilters(tcp("PassthroughCluster")))
                .build()));
    d.addListeners(
        dynamic(
            Listener.newBuilder()
                .setName("virtualInbound")
                .setAddress(addr("0.0.0.0", 15006))
                .setTrafficDirection(Listener.TrafficDirection.INBOUND)
                .addFilterChains(
                    FilterChain.newBuilder()
                        .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(9080))
                        .addFilters(
                            NetworkFilter.newBuilder()
                                .setName("envoy.filters.network.http_connection_manager")
                                .setHttpConnectionManager(
                                    HttpConnectionManager.newBuilder()
                                        .setStatPrefix("inbound_0.0.0.0_9080")
                                        .setRouteConfig(
                                            RouteConfiguration.newBuilder()
                                                .setName("inbound|9080||")
                                                .addVirtualHosts(
                                                    VirtualHost.newBuilder()
                                                        .setName("inbound|http|9080")
                                                        .addDomains("*")
                                                        .addRoutes(
                                                            Route.newBuilder()
                                                                .setName("default")
                                                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                                                .setRoute(RouteAction.newBuilder().setCluster("inbound|9080||")))))
                                        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")))))
                .setDefaultFilterChain(FilterChain.newBuilder().addFilters(tcp("InboundPassthroughClusterIpv4")))
                .build()));
    d.addListeners(
        dynamic(
            httpListener("0.0.0.0_9080", "0.0.0.0", 9080, "9080").toBuilder().setBindToPort(false).build()));
    d.addListeners(
        dynamic(
            Listener.newBuilder()
                .setName("10.96.0.30_27017")
                .setAddress(addr("10.96.0.30", 27017))
                .setBindToPort(false)
                .addFilterChains(FilterChain.newBuilder().addFilters(tcp(MONGO)))
                .build()));
    d.addRouteConfigs(
        dynamic(
            RouteConfiguration.newBuilder()
                .setName("9080")
                .addVirtualHosts(
                    VirtualHost.newBuilder()
                        .setName("ratings.default.svc.cluster.local:9080")
                        .addDomains("ratings.default.svc.cluster.local")
                        .addDomains("ratings")
                        .addDomains("ratings.default.svc")
                        .addDomains("ratings.default")
                        .addDomains("10.96.0.10")
                        .addRoutes(
                            route(RouteMatch.newBuilder().setPrefix("/"), RATINGS, "ratings-fault", "default").toBuilder()
                                .setFault(
                                    FaultPolicy.newBuilder()
                                        .setAbort(
                                            FaultPolicy.Abort.newBuilder()
                                                .setHttpStatus(500)
                                                .setPercentage(Percent.newBuilder().setValue(10))))))
                .addVirtualHosts(
                    VirtualHost.newBuilder()
                        .setName("allow_any")
                        .addDomains("*")
                        .addRoutes(
                            Route.newBuilder()
                                .setName("allow_any")
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster("PassthroughCluster"))))
                .build()));
    d.addClusters(
        dynamic(
            Cluster.newBuilder()
                .setName("inbound|9080||")
                .setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(cla("inbound|9080||", lb("127.0.0.1", 9080, HealthStatus.UNKNOWN)))
                .build()));
    d.addClusters(dynamic(edsCluster(RATINGS, "ratings")));
    d.addClusters(dynamic(edsCluster(MONGO, null)));
    d.addClusters(
        dynamic(Cluster.newBuilder().setName("PassthroughCluster").setType(Cluster.DiscoveryType.ORIGINAL_DST).build()));
    d.addClusters(
        dynamic(Cluster.newBuilder().setName("InboundPassthroughClusterIpv4").setType(Cluster.DiscoveryType.ORIGINAL_DST).build()));
    d.addEndpoints(
        EndpointDump.newBuilder()
            .setEndpointConfig(cla(RATINGS, lb("127.0.0.31", 9080, HealthStatus.HEALTHY)))
            .setState("dynamic_active"));
    return d.build();
  }

  // ---- helpers ----

  static Listener httpListener(String name, String host, int port, String rds) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(addr(host, port))
        .addFilterChains(FilterChain.newBuilder().addFilters(hcm(Rds.newBuilder().setRouteConfigName(rds))))
        .build();
  }

  static NetworkFilter hcm(Rds.Builder rds) {
    return NetworkFilter.newBuilder()
        .setName("envoy.filters.network.http_connection_manager")
        .setHttpConnectionManager(
            HttpConnectionManager.newBuilder()
                .setStatPrefix("outbound_0.0.0.0_" + rds.getRouteConfigName())
                .setRds(rds)
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")))
        .build();
  }

  static NetworkFilter tcp(String cluster) {
    return NetworkFilter.newBuilder()
        .setName("envoy.filters.network.tcp_proxy")
        .setTcpProxy(TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster))
        .build();
  }

  static Route route(RouteMatch.Builder match, String cluster, String vs, String ns) {
    return Route.newBuilder()
        .setMatch(match)
        .setRoute(RouteAction.newBuilder().setCluster(cluster).setTimeout(Duration.newBuilder().setSeconds(0)))
        .setMetadata(istio("virtual-service", vs, ns))
        .build();
  }

  static Metadata istio(String kind, String name, String ns) {
    return Metadata.newBuilder()
        .putFilterMetadata(
            "istio",
            Struct.newBuilder()
                .putFields(
                    "config",
                    Value.newBuilder()
                        .setStringValue("/apis/networking.istio.io/v1alpha3/namespaces/" + ns + "/" + kind + "/" + name)
                        .build())
                .build())
        .build();
  }

  static Cluster edsCluster(String name, String destinationRule) {
    Cluster.Builder c =
        Cluster.newBuilder()
            .setName(name)
            .setType(Cluster.DiscoveryType.EDS)
            .setConnectTimeout(Duration.newBuilder().setSeconds(10))
            .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name));
    if (destinationRule != null) {
      c.setMetadata(istio("destination-rule", destinationRule, "default"))
          .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(5));
    }
    return c.build();
  }

  static ClusterLoadAssignment cla(String name, LbEndpoint... endpoints) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (LbEndpoint e : endpoints) {
      l.addLbEndpoints(e);
    }
    return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(l).build();
  }

  static LbEndpoint lb(String host, int port, HealthStatus health) {
    return LbEndpoint.newBuilder()
        .setEndpoint(Endpoint.newBuilder().setAddress(addr(host, port)))
        .setHealthStatus(health)
        .build();
  }

  static Address addr(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  static ListenerDump dynamic(Listener l) {
    return ListenerDump.newBuilder().setListener(l).setVersionInfo(VERSION).setLastUpdated(UPDATED).setState("dynamic_active").build();
  }

  static RouteConfigDump dynamic(RouteConfiguration r) {
    return RouteConfigDump.newBuilder().setRouteConfig(r).setVersionInfo(VERSION).setLastUpdated(UPDATED).setState("dynamic_active").build();
  }

  static ClusterDump dynamic(Cluster c) {
    return ClusterDump.newBuilder().setCluster(c).setVersionInfo(VERSION).setLastUpdated(UPDATED).setState("dynamic_active").build();
  }

  static ByteString resource(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource fixtures/" + name);
      }
      return ByteString.readFrom(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Fixtures() {}
}
