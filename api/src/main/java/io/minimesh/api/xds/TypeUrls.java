package io.minimesh.api.xds;

import com.google.protobuf.Message;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.api.xds.v1.DebugConfigDump;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.SyncStatus;
import java.util.List;

/** Type URLs of the resources carried on the ADS stream, and their push order. */
public final class TypeUrls {
  private static final String PREFIX = "type.googleapis.com/";

  public static final String LISTENER = PREFIX + Listener.getDescriptor().getFullName();
  public static final String ROUTE = PREFIX + RouteConfiguration.getDescriptor().getFullName();
  public static final String CLUSTER = PREFIX + Cluster.getDescriptor().getFullName();
  public static final String ENDPOINT = PREFIX + ClusterLoadAssignment.getDescriptor().getFullName();
  public static final String SECRET = PREFIX + Secret.getDescriptor().getFullName();

  /** Debug: one SyncStatus per connected proxy. */
  public static final String DEBUG_SYNCZ = "type.minimesh.io/debug/syncz";
  /** Debug: resource_names = [proxy id]; one DebugConfigDump (what pilot generated for it). */
  public static final String DEBUG_CONFIG_DUMP = "type.minimesh.io/debug/config_dump";
  /** Debug: one ConnectedProxy per stream. */
  public static final String DEBUG_CONNECTIONS = "type.minimesh.io/debug/connections";

  /** Make-before-break order of a full push: clusters, endpoints, listeners, routes; secrets first. */
  public static final List<String> PUSH_ORDER = List.of(SECRET, CLUSTER, ENDPOINT, LISTENER, ROUTE);

  /** Short names used in views and stats: CDS, EDS, LDS, RDS, SDS. */
  public static String shortName(String typeUrl) {
    if (typeUrl.equals(CLUSTER)) return "CDS";
    if (typeUrl.equals(ENDPOINT)) return "EDS";
    if (typeUrl.equals(LISTENER)) return "LDS";
    if (typeUrl.equals(ROUTE)) return "RDS";
    if (typeUrl.equals(SECRET)) return "SDS";
    return typeUrl;
  }

  /** True for types the client subscribes to with a wildcard (no resource names). */
  public static boolean isWildcardType(String typeUrl) {
    return typeUrl.equals(LISTENER) || typeUrl.equals(CLUSTER);
  }

  static Class<? extends Message> debugMessage(String typeUrl) {
    return switch (typeUrl) {
      case DEBUG_SYNCZ -> SyncStatus.class;
      case DEBUG_CONFIG_DUMP -> DebugConfigDump.class;
      case DEBUG_CONNECTIONS -> ConnectedProxy.class;
      default -> throw new IllegalArgumentException("not a debug type: " + typeUrl);
    };
  }

  private TypeUrls() {}
}
