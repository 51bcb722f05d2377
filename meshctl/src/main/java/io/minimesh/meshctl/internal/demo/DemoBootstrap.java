package io.minimesh.meshctl.internal.demo;

import com.google.protobuf.Duration;
import io.minimesh.api.xds.v1.Address;
import io.minimesh.api.xds.v1.Admin;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.Endpoint;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.HttpFilter;
import io.minimesh.api.xds.v1.LbEndpoint;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteAction;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.SocketAddress;
import io.minimesh.api.xds.v1.StaticResources;
import io.minimesh.api.xds.v1.VirtualHost;

/**
 * The static bootstrap of the small demo's ingress proxy (no pilot yet): one HTTP listener routing
 * everything to the web app's cluster, named as pilot would name it, and the admin API.
 */
public final class DemoBootstrap {
  /** Where and what the ingress proxy serves. */
  public record Ingress(
      String nodeId, String bindAddress, int listenerPort, int adminPort, String serviceFqdn, int servicePort,
      String appAddress, int appPort) {

    public String clusterName() {
      return "outbound|" + servicePort + "||" + serviceFqdn;
    }
  }

  public static Bootstrap ingress(Ingress in) {
    Cluster cluster =
        Cluster.newBuilder()
            .setName(in.clusterName())
            .setType(Cluster.DiscoveryType.STATIC)
            .setConnectTimeout(Duration.newBuilder().setSeconds(1))
            .setAltStatName(in.serviceFqdn())
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(in.clusterName())
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(
                                LbEndpoint.newBuilder()
                                    .setEndpoint(Endpoint.newBuilder().setAddress(address(in.appAddress(), in.appPort()))))))
            .build();
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName("http." + in.listenerPort())
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(in.serviceFqdn() + ":" + in.servicePort())
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setName("default")
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster(in.clusterName()))))
            .build();
    Listener listener =
        Listener.newBuilder()
            .setName(in.bindAddress() + "_" + in.listenerPort())
            .setAddress(address(in.bindAddress(), in.listenerPort()))
            .setTrafficDirection(Listener.TrafficDirection.OUTBOUND)
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        NetworkFilter.newBuilder()
                            .setName("envoy.filters.network.http_connection_manager")
                            .setHttpConnectionManager(
                                HttpConnectionManager.newBuilder()
                                    .setStatPrefix("ingress_http")
                                    .setRouteConfig(routes)
                                    .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")))))
            .build();
    return Bootstrap.newBuilder()
        .setNode(
            Node.newBuilder()
                .setId(in.nodeId())
                .setCluster(in.nodeId().substring(0, in.nodeId().indexOf('.') < 0 ? in.nodeId().length() : in.nodeId().indexOf('.')))
                .setProxyType(ProxyType.ROUTER)
                .setNamespace(in.nodeId().contains(".") ? in.nodeId().substring(in.nodeId().indexOf('.') + 1) : "")
                .setAdminAddress(in.bindAddress() + ":" + in.adminPort()))
        .setAdmin(Admin.newBuilder().setAddress(address(in.bindAddress(), in.adminPort())))
        .setStaticResources(StaticResources.newBuilder().addListeners(listener).addClusters(cluster))
        .build();
  }

  private static Address address(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  private DemoBootstrap() {}
}
