package io.minimesh.meshctl.internal.views;

import io.minimesh.api.xds.v1.Cluster;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** {@code proxy-config clusters}: Istio names {@code direction|port|subset|fqdn} split into columns. */
public final class ClusterView {
  public record Filter(String fqdn, Integer port, String subset, String direction) {
    public static final Filter ALL = new Filter(null, null, null, null);

    boolean keeps(Name n) {
      return (fqdn == null || fqdn.equals(n.fqdn()))
          && (port == null || String.valueOf(port).equals(n.port()))
          && (subset == null || subset.equals(n.subset()))
          && (direction == null || direction.equalsIgnoreCase(n.direction()));
    }
  }

  /** A parsed cluster name; non-Istio names keep the whole name as fqdn and "-" elsewhere. */
  record Name(String fqdn, String port, String subset, String direction) {
    static Name parse(String clusterName) {
      String[] p = clusterName.split("\\|", -1);
      if (p.length == 4 && (p[0].equals("outbound") || p[0].equals("inbound"))) {
        return new Name(p[3], p[1].isEmpty() ? "-" : p[1], p[2].isEmpty() ? "-" : p[2], p[0]);
      }
      return new Name(clusterName, "-", "-", "-");
    }
  }

  public static List<Cluster> select(List<Cluster> clusters, Filter f) {
    return sorted(clusters).stream().filter(c -> f.keeps(Name.parse(c.getName()))).toList();
  }

  public static Table table(List<Cluster> clusters, Filter f) {
    List<List<String>> rows = new ArrayList<>();
    for (Cluster c : select(clusters, f)) {
      Name n = Name.parse(c.getName());
      String dr = IstioMetadata.configName(c.getMetadata());
      rows.add(
          List.of(n.fqdn(), n.port(), n.subset(), n.direction(), c.getType().name(), dr.isEmpty() ? "-" : dr));
    }
    return new Table(
        List.of("SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION RULE"), rows);
  }

  static List<Cluster> sorted(List<Cluster> clusters) {
    return clusters.stream()
        .sorted(
            Comparator.<Cluster, String>comparing(c -> Name.parse(c.getName()).fqdn())
                .thenComparing(c -> portKey(Name.parse(c.getName()).port()))
                .thenComparing(c -> Name.parse(c.getName()).subset())
                .thenComparing(c -> Name.parse(c.getName()).direction()))
        .toList();
  }

  private static String portKey(String port) {
    // Numeric order for ports: pad to 5 digits.
    return port.length() <= 5 && port.chars().allMatch(Character::isDigit) ? String.format("%05d", Integer.parseInt(port)) : port;
  }

  private ClusterView() {}
}
