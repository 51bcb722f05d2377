package io.minimesh.meshctl.internal.views;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.ClusterDump;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.ListenerDump;
import io.minimesh.api.xds.v1.RouteConfigDump;
import io.minimesh.meshctl.internal.diff.UnifiedDiff;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code proxy-status PROXY}: pilot's intended config against the proxy's, per type.
 *
 * <p>Compared: the resources themselves (Cluster, Listener, RouteConfiguration), sorted by name, rendered
 * by the shared printer with map keys sorted. Ignored, because they legitimately differ between the two
 * sides: the dump wrappers' {@code last_updated} (when each side applied it), {@code version_info} (a
 * proxy still on an older version can hold identical resources; staleness is what the table shows) and
 * {@code state}; resources the proxy holds from its bootstrap ({@code state: "static"}), which pilot did
 * not send; and the order of resources. When a name appears twice on one side (active and warming), the
 * active one is compared.
 */
public final class ConfigCompare {
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer()
          .usingTypeRegistry(JsonPrinter.typeRegistry())
          .preservingProtoFieldNames()
          .sortingMapKeys();

  /** One type's comparison: empty {@code diff} means the two sides match. */
  public record Section(String type, List<String> diff) {
    public boolean matches() {
      return diff.isEmpty();
    }

    public String render() {
      return matches() ? type + " Match\n" : String.join("\n", diff) + "\n";
    }
  }

  public static List<Section> compare(ConfigDump pilot, ConfigDump proxy) {
    return List.of(
        section("Clusters", pilot.getClustersList(), proxy.getClustersList(),
            ClusterDump::getState, ClusterDump::getCluster, c -> c.getCluster().getName()),
        section("Listeners", pilot.getListenersList(), proxy.getListenersList(),
            ListenerDump::getState, ListenerDump::getListener, l -> l.getListener().getName()),
        section("Routes", pilot.getRouteConfigsList(), proxy.getRouteConfigsList(),
            RouteConfigDump::getState, RouteConfigDump::getRouteConfig, r -> r.getRouteConfig().getName()));
  }

  private static <D> Section section(
      String type,
      List<D> pilot,
      List<D> proxy,
      Function<D, String> state,
      Function<D, Message> resource,
      Function<D, String> name) {
    List<String> a = lines(normalize(pilot, state, resource, name));
    List<String> b = lines(normalize(proxy, state, resource, name));
    return new Section(
        type, UnifiedDiff.diff("Pilot " + type, a, "Proxy " + type, b, UnifiedDiff.DEFAULT_CONTEXT));
  }

  /** The comparable text of one side: a JSON array of the dynamic resources, sorted by name. */
  static <D> String normalize(
      List<D> dumps, Function<D, String> state, Function<D, Message> resource, Function<D, String> name) {
    Map<String, D> byName = new LinkedHashMap<>();
    for (D d : dumps) {
      String s = state.apply(d);
      if (s.equals("static")) {
        continue;
      }
      String n = name.apply(d);
      D prev = byName.get(n);
      if (prev == null || (!state.apply(prev).equals("dynamic_active") && s.equals("dynamic_active"))) {
        byName.put(n, d);
      }
    }
    List<D> sorted = new ArrayList<>(byName.values());
    sorted.sort(Comparator.comparing(name));
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < sorted.size(); i++) {
      sb.append(i == 0 ? "\n" : ",\n").append(indent(print(resource.apply(sorted.get(i)))));
    }
    sb.append(sorted.isEmpty() ? "]" : "\n]");
    return sb.toString();
  }

  private static String print(Message m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String indent(String s) {
    return "  " + s.replace("\n", "\n  ");
  }

  private static List<String> lines(String s) {
    return List.of(s.split("\n", -1));
  }

  private ConfigCompare() {}
}
