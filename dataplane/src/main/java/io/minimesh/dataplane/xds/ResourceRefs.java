package io.minimesh.dataplane.xds;

import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.CommonTlsContext;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.SdsSecretConfig;
import io.minimesh.api.xds.v1.TransportSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What a listener or cluster needs from the other, named resource types (RDS, EDS, SDS). */
final class ResourceRefs {
  private ResourceRefs() {}

  /** Route configuration names the listener's connection managers load over RDS. */
  static Set<String> routeNames(Listener l) {
    Set<String> out = new TreeSet<>();
    for (FilterChain fc : chains(l)) {
      for (NetworkFilter f : fc.getFiltersList()) {
        if (f.hasHttpConnectionManager() && f.getHttpConnectionManager().hasRds()) {
          out.add(f.getHttpConnectionManager().getRds().getRouteConfigName());
        }
      }
    }
    return out;
  }

  /** The ClusterLoadAssignment an EDS cluster waits for, or null for other cluster types. */
  static String edsName(Cluster c) {
    if (c.getType() != Cluster.DiscoveryType.EDS) return null;
    String s = c.getEdsClusterConfig().getServiceName();
    return s.isEmpty() ? c.getName() : s;
  }

  static Set<String> secretNames(Listener l) {
    Set<String> out = new TreeSet<>();
    for (FilterChain fc : chains(l)) addSecrets(fc.getTransportSocket(), out);
    return out;
  }

  static Set<String> secretNames(Cluster c) {
    Set<String> out = new TreeSet<>();
    addSecrets(c.getTransportSocket(), out);
    return out;
  }

  private static List<FilterChain> chains(Listener l) {
    List<FilterChain> all = new ArrayList<>(l.getFilterChainsList());
    if (l.hasDefaultFilterChain()) all.add(l.getDefaultFilterChain());
    return all;
  }

  private static void addSecrets(TransportSocket ts, Set<String> out) {
    CommonTlsContext c = ts.hasDownstreamTls()
        ? ts.getDownstreamTls().getCommonTlsContext()
        : ts.hasUpstreamTls() ? ts.getUpstreamTls().getCommonTlsContext() : null;
    if (c == null) return;
    for (SdsSecretConfig s : c.getTlsCertificateSdsSecretConfigsList()) {
      if (!s.getName().isEmpty()) out.add(s.getName());
    }
    if (c.hasValidationContextSdsSecretConfig() && !c.getValidationContextSdsSecretConfig().getName().isEmpty()) {
      out.add(c.getValidationContextSdsSecretConfig().getName());
    }
  }
}
