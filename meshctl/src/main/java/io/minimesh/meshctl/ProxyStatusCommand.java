package io.minimesh.meshctl;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.DebugConfigDump;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.meshctl.internal.output.Json;
import io.minimesh.meshctl.internal.output.OutputFormat;
import io.minimesh.meshctl.internal.views.ConfigCompare;
import io.minimesh.meshctl.internal.views.ConfigDumps;
import io.minimesh.meshctl.internal.views.SyncView;
import io.minimesh.meshctl.internal.xds.PilotClient;
import io.minimesh.meshctl.internal.xds.ProxyLocator;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "proxy-status",
    aliases = "ps",
    mixinStandardHelpOptions = true,
    description = {
      "Pilot's side: did every proxy get and accept the config pilot meant for it?",
      "Without PROXY: one row per connected proxy, per xDS type SYNCED (age of the ACK), NOT SENT, STALE "
          + "(sent, not yet acknowledged) or ERROR: <the proxy's NACK>.",
      "With PROXY: pilot's intended clusters, listeners and routes against the proxy's /config_dump: "
          + "'<Type> Match' or a unified diff."
    })
final class ProxyStatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ProxyTarget target;

  @Mixin OutputOption output;

  @Override
  public Integer call() {
    Main root = Main.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    try (PilotClient pilot = root.pilot()) {
      if (target.proxy == null) {
        if (target.file != null || target.adminAddress != null) {
          throw new MeshctlException("-f and --admin-address need a PROXY to compare with pilot's config");
        }
        List<SyncStatus> statuses =
            pilot.syncz().stream().filter(s -> !ProxyLocator.isDebugClient(s.getNode())).toList();
        if (output.format == OutputFormat.table) {
          out.print(SyncView.table(statuses, root.clock.instant()).render());
        } else {
          out.print(Json.render(Json.tree(statuses), output.format));
        }
        out.flush();
        return 0;
      }
      String id = target.proxyId();
      DebugConfigDump intended =
          pilot
              .configDump(id)
              .orElseThrow(() -> ProxyLocator.notFound(id, List.copyOf(ProxyLocator.connected(pilot).keySet())));
      ConfigDump actual =
          target.file != null
              ? ConfigDumps.readDump(target.file)
              : target.admin(root).configDump();
      List<ConfigCompare.Section> sections = ConfigCompare.compare(intended.getConfigDump(), actual);
      if (output.format == OutputFormat.table) {
        for (ConfigCompare.Section s : sections) {
          out.print(s.render());
        }
      } else {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("proxy", id);
        for (ConfigCompare.Section s : sections) {
          ObjectNode t = o.putObject(s.type().toLowerCase(java.util.Locale.ROOT));
          t.put("match", s.matches());
          ArrayNode diff = t.putArray("diff");
          s.diff().forEach(diff::add);
        }
        out.print(Json.render(o, output.format));
      }
      out.flush();
      return 0;
    }
  }
}
