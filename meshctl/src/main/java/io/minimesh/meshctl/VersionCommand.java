package io.minimesh.meshctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.meshctl.internal.admin.AdminClient;
import io.minimesh.meshctl.internal.output.Json;
import io.minimesh.meshctl.internal.output.OutputFormat;
import io.minimesh.meshctl.internal.xds.PilotClient;
import io.minimesh.meshctl.internal.xds.ProxyLocator;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Client version; with a reachable pilot also pilot's and every connected proxy's.")
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--remote", arity = "0..1", defaultValue = "true", fallbackValue = "true",
      description = "Also ask pilot and the proxies (default: ${DEFAULT-VALUE}; --remote=false for the client only).")
  boolean remote;

  @Option(names = "--short", description = "Print the version numbers only.")
  boolean shortForm;

  @Mixin OutputOption output;

  @Override
  public Integer call() {
    Main root = Main.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    String client = Main.clientVersion();
    String pilotVersion = null;
    String pilotError = null;
    Map<String, String> proxies = new TreeMap<>();
    if (remote) {
      try (PilotClient pilot = root.pilot()) {
        List<SyncStatus> statuses = pilot.syncz();
        pilotVersion = pilot.controlPlaneId().isEmpty() ? "unknown" : pilot.controlPlaneId();
        Map<String, ConnectedProxy> connected = ProxyLocator.connected(pilot);
        for (SyncStatus s : statuses) {
          if (!ProxyLocator.isDebugClient(s.getNode())) {
            proxies.put(s.getProxyId(), s.getNode().getVersion());
          }
        }
        for (ConnectedProxy c : connected.values()) {
          proxies.put(c.getNode().getId(), proxyVersion(root, c));
        }
      } catch (MeshctlException e) {
        pilotError = e.getMessage();
      }
    }
    if (output.format != OutputFormat.table) {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.putObject("client_version").put("version", client);
      if (pilotVersion != null) {
        o.putObject("control_plane").put("address", root.xdsAddress()).put("version", pilotVersion);
        ArrayNode dp = o.putArray("data_plane");
        proxies.forEach((id, v) -> dp.addObject().put("id", id).put("version", v));
      }
      out.print(Json.render(o, output.format));
    } else if (shortForm) {
      out.println(client);
      if (pilotVersion != null) {
        out.println(pilotVersion);
      }
    } else {
      out.println("client version: " + client);
      if (pilotVersion != null) {
        out.println("control plane version: " + pilotVersion);
        out.println("data plane version: " + summarize(proxies));
      }
    }
    out.flush();
    if (pilotError != null) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("Warning: no control plane version: " + pilotError);
      err.flush();
    }
    return 0;
  }

  /** The proxy's own word (/server_info) when its admin API answers, else what it told pilot. */
  private static String proxyVersion(Main root, ConnectedProxy c) {
    try {
      JsonNode info = new AdminClient(ProxyLocator.adminAddress(c), root.timeout).serverInfo();
      String v = info.path("version").asText("");
      if (!v.isEmpty()) {
        return v;
      }
    } catch (MeshctlException e) {
      // unreachable admin API: fall back to the node's version
    }
    return c.getNode().getVersion().isEmpty() ? "unknown" : c.getNode().getVersion();
  }

  static String summarize(Map<String, String> proxies) {
    if (proxies.isEmpty()) {
      return "none (no proxies connected)";
    }
    Map<String, Long> counts =
        proxies.values().stream()
            .map(v -> v.isEmpty() ? "unknown" : v)
            .collect(Collectors.groupingBy(v -> v, LinkedHashMap::new, Collectors.counting()));
    return counts.entrySet().stream()
        .map(e -> e.getKey() + " (" + e.getValue() + (e.getValue() == 1 ? " proxy)" : " proxies)"))
        .collect(Collectors.joining(", "));
  }
}
