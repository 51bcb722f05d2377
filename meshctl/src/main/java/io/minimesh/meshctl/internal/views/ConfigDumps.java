package io.minimesh.meshctl.internal.views;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterDump;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.ListenerDump;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.RouteConfigDump;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.meshctl.MeshctlException;
import io.minimesh.meshctl.internal.output.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading config dumps (the proxy's /config_dump, pilot's debug dump, saved files) and walking them. */
public final class ConfigDumps {
  // Lenient on unknown fields: a newer proxy may dump fields this meshctl does not know yet.
  private static final JsonFormat.Parser PARSER =
      JsonFormat.parser().usingTypeRegistry(JsonPrinter.typeRegistry()).ignoringUnknownFields();

  /** JSON (or YAML) text of a ConfigDump; {@code source} names it in errors. */
  public static ConfigDump parse(String text, String source) {
    String json = text.stripLeading().startsWith("{") ? text : Json.parseYamlOrJson(text).toString();
    ConfigDump.Builder b = ConfigDump.newBuilder();
    try {
      PARSER.merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new MeshctlException(source + " is not a Minimesh config dump: " + e.getMessage());
    }
    return b.build();
  }

  public static String readFile(Path file) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new MeshctlException("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new MeshctlException("cannot read " + file + ": " + e.getMessage());
    }
  }

  public static ConfigDump readDump(Path file) {
    return parse(readFile(file), file.toString());
  }

  public static List<Listener> listeners(ConfigDump d) {
    return d.getListenersList().stream().map(ListenerDump::getListener).toList();
  }

  public static List<Cluster> clusters(ConfigDump d) {
    return d.getClustersList().stream().map(ClusterDump::getCluster).toList();
  }

  /**
   * Every route configuration the proxy holds: RDS ones, then those inline in listeners' connection
   * managers (the first of a name wins).
   */
  public static List<RouteConfiguration> routeConfigs(ConfigDump d) {
    Map<String, RouteConfiguration> byName = new LinkedHashMap<>();
    for (RouteConfigDump r : d.getRouteConfigsList()) {
      byName.putIfAbsent(r.getRouteConfig().getName(), r.getRouteConfig());
    }
    List<RouteConfiguration> inline = new ArrayList<>();
    for (Listener l : listeners(d)) {
      List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
      if (l.hasDefaultFilterChain()) {
        chains.add(l.getDefaultFilterChain());
      }
      for (FilterChain fc : chains) {
        for (NetworkFilter f : fc.getFiltersList()) {
          if (f.hasHttpConnectionManager() && f.getHttpConnectionManager().hasRouteConfig()) {
            inline.add(f.getHttpConnectionManager().getRouteConfig());
          }
        }
      }
    }
    for (RouteConfiguration r : inline) {
      byName.putIfAbsent(r.getName(), r);
    }
    return List.copyOf(byName.values());
  }

  private ConfigDumps() {}
}
