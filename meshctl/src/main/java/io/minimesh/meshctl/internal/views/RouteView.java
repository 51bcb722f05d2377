package io.minimesh.meshctl.internal.views;

import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.VirtualHost;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** {@code proxy-config routes}: one row per route, istioctl's columns. */
public final class RouteView {
  /** Domains shown per virtual host before "+ N more...". */
  static final int MAX_DOMAINS = 3;

  public record Filter(String name) {
    public static final Filter ALL = new Filter(null);
  }

  public static List<RouteConfiguration> select(List<RouteConfiguration> configs, Filter f) {
    return configs.stream()
        .filter(r -> f.name() == null || f.name().equals(r.getName()))
        .sorted(Comparator.comparing(RouteConfiguration::getName))
        .toList();
  }

  public static Table table(List<RouteConfiguration> configs, Filter f) {
    List<List<String>> rows = new ArrayList<>();
    for (RouteConfiguration rc : select(configs, f)) {
      if (rc.getVirtualHostsCount() == 0) {
        rows.add(List.of(rc.getName(), "", "", "", ""));
      }
      for (VirtualHost vh : rc.getVirtualHostsList()) {
        String domains = domains(vh.getDomainsList());
        if (vh.getRoutesCount() == 0) {
          rows.add(List.of(rc.getName(), vh.getName(), domains, "", ""));
        }
        for (Route r : vh.getRoutesList()) {
          rows.add(List.of(rc.getName(), vh.getName(), domains, match(r.getMatch()), virtualService(r)));
        }
      }
    }
    return new Table(List.of("NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE"), rows);
  }

  static String domains(List<String> domains) {
    if (domains.size() <= MAX_DOMAINS) {
      return String.join(", ", domains);
    }
    return String.join(", ", domains.subList(0, MAX_DOMAINS))
        + " + " + (domains.size() - MAX_DOMAINS) + " more...";
  }

  /** istioctl's notation: prefix "/a" is "/a*", an exact path is itself, a regex is shown as is. */
  static String match(RouteMatch m) {
    String path =
        switch (m.getPathSpecifierCase()) {
          case PREFIX -> (m.getPrefix().isEmpty() ? "/" : m.getPrefix()) + "*";
          case PATH -> m.getPath();
          case SAFE_REGEX -> m.getSafeRegex().getRegex();
          case PATHSPECIFIER_NOT_SET -> "/*";
        };
    return m.getGrpc() ? path + " (grpc)" : path;
  }

  static String virtualService(Route r) {
    String vs = IstioMetadata.configName(r.getMetadata());
    if (vs.isEmpty() && r.hasDirectResponse() && r.getDirectResponse().getStatus() == 404) {
      return "404";
    }
    return vs;
  }

  private RouteView() {}
}
