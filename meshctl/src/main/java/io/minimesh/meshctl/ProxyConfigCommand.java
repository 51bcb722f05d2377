package io.minimesh.meshctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.meshctl.internal.admin.AdminClient;
import io.minimesh.meshctl.internal.output.Json;
import io.minimesh.meshctl.internal.output.OutputFormat;
import io.minimesh.meshctl.internal.views.ClusterView;
import io.minimesh.meshctl.internal.views.ConfigDumps;
import io.minimesh.meshctl.internal.views.EndpointView;
import io.minimesh.meshctl.internal.views.ListenerView;
import io.minimesh.meshctl.internal.views.RouteView;
import io.minimesh.meshctl.internal.views.SecretView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "proxy-config",
    aliases = "pc",
    mixinStandardHelpOptions = true,
    description = "The proxy's side: what exactly does this proxy hold? (from its admin API, or a saved dump)",
    subcommands = {
      ProxyConfigCommand.Listeners.class,
      ProxyConfigCommand.Routes.class,
      ProxyConfigCommand.Clusters.class,
      ProxyConfigCommand.Endpoints.class,
      ProxyConfigCommand.Secrets.class,
      ProxyConfigCommand.BootstrapView.class,
      ProxyConfigCommand.Log.class,
      ProxyConfigCommand.All.class
    })
final class ProxyConfigCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "Missing view: listeners|routes|clusters|endpoints|secret|bootstrap|log|all; see meshctl proxy-config --help");
  }

  /** A view of one proxy's config dump. */
  abstract static class DumpView implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ProxyTarget target;

    @Mixin OutputOption output;

    Main root() {
      return Main.of(spec);
    }

    ConfigDump dump() {
      return target.file != null ? ConfigDumps.readDump(target.file) : target.admin(root()).configDump();
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    @Override
    public Integer call() {
      PrintWriter out = out();
      out.print(render(dump(), output.format));
      out.flush();
      return 0;
    }

    abstract String render(ConfigDump dump, OutputFormat format);
  }

  @Command(name = "listeners", aliases = {"listener", "l"}, mixinStandardHelpOptions = true,
      description = "Listeners: one row per filter chain (ADDRESSES PORT MATCH DESTINATION).")
  static final class Listeners extends DumpView {
    @Option(names = "--name", description = "Only the listener with this name.") String name;
    @Option(names = "--address", description = "Only listeners bound to this address.") String address;
    @Option(names = "--port", description = "Only listeners on this port.") Integer port;
    @Option(names = "--type", description = "Only filter chains of this type: HTTP or TCP.") String type;

    @Override
    String render(ConfigDump dump, OutputFormat format) {
      ListenerView.Filter f = new ListenerView.Filter(name, address, port, type);
      if (format == OutputFormat.table) {
        return ListenerView.table(ConfigDumps.listeners(dump), f).render();
      }
      return Json.render(Json.tree(ListenerView.select(ConfigDumps.listeners(dump), f)), format);
    }
  }

  @Command(name = "routes", aliases = {"route", "r"}, mixinStandardHelpOptions = true,
      description = "Route configurations: one row per route (NAME VHOST NAME DOMAINS MATCH VIRTUAL SERVICE).")
  static final class Routes extends DumpView {
    @Option(names = "--name", description = "Only the route configuration with this name.") String name;

    @Override
    String render(ConfigDump dump, OutputFormat format) {
      RouteView.Filter f = new RouteView.Filter(name);
      if (format == OutputFormat.table) {
        return RouteView.table(ConfigDumps.routeConfigs(dump), f).render();
      }
      return Json.render(Json.tree(RouteView.select(ConfigDumps.routeConfigs(dump), f)), format);
    }
  }

  @Command(name = "clusters", aliases = {"cluster", "c"}, mixinStandardHelpOptions = true,
      description = "Clusters (SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION RULE).")
  static final class Clusters extends DumpView {
    @Option(names = "--fqdn", description = "Only clusters of this service FQDN.") String fqdn;
    @Option(names = "--port", description = "Only clusters of this port.") Integer port;
    @Option(names = "--subset", description = "Only clusters of this subset.") String subset;
    @Option(names = "--direction", description = "Only inbound or outbound clusters.") String direction;

    @Override
    String render(ConfigDump dump, OutputFormat format) {
      ClusterView.Filter f = new ClusterView.Filter(fqdn, port, subset, direction);
      if (format == OutputFormat.table) {
        return ClusterView.table(ConfigDumps.clusters(dump), f).render();
      }
      return Json.render(Json.tree(ClusterView.select(ConfigDumps.clusters(dump), f)), format);
    }
  }

  @Command(name = "endpoints", aliases = {"endpoint", "ep"}, mixinStandardHelpOptions = true,
      description = {
        "Endpoints and their health (ENDPOINT STATUS OUTLIER CHECK CLUSTER), from the proxy's /clusters?format=json.",
        "-f reads either that JSON or a config dump (then the endpoints it declares, all shown HEALTHY)."
      })
  static final class Endpoints extends DumpView {
    @Option(names = "--address", description = "Only endpoints with this IP address.") String address;
    @Option(names = "--port", description = "Only endpoints on this port.") Integer port;
    @Option(names = "--cluster", description = "Only endpoints of this cluster.") String cluster;
    @Option(names = "--status", description = "Only endpoints with this health status, e.g. HEALTHY, UNHEALTHY.")
    String status;

    @Override
    public Integer call() {
      List<EndpointView.Row> rows;
      if (target.file != null) {
        String text = ConfigDumps.readFile(target.file);
        JsonNode tree = Json.parseYamlOrJson(text);
        rows =
            tree.has("cluster_statuses")
                ? EndpointView.fromClusters(tree)
                : EndpointView.fromConfigDump(ConfigDumps.parse(text, target.file.toString()));
      } else {
        rows = EndpointView.fromClusters(target.admin(root()).clusters());
      }
      PrintWriter out = out();
      out.print(renderRows(rows, output.format));
      out.flush();
      return 0;
    }

    String renderRows(List<EndpointView.Row> rows, OutputFormat format) {
      EndpointView.Filter f = new EndpointView.Filter(address, port, cluster, status);
      if (format == OutputFormat.table) {
        return EndpointView.table(rows, f).render();
      }
      return Json.render(EndpointView.json(rows, f), format);
    }

    @Override
    String render(ConfigDump dump, OutputFormat format) {
      return renderRows(EndpointView.fromConfigDump(dump), format);
    }
  }

  @Command(name = "secret", aliases = {"secrets", "s"}, mixinStandardHelpOptions = true,
      description = "TLS certificates and CA bundles (RESOURCE NAME TYPE STATUS VALID CERT SERIAL NUMBER NOT AFTER NOT BEFORE).")
  static final class Secrets extends DumpView {
    @Option(names = "--name", description = "Only the secret with this resource name.") String name;

    @Override
    String render(ConfigDump dump, OutputFormat format) {
      SecretView.Filter f = new SecretView.Filter(name);
      if (format == OutputFormat.table) {
        return SecretView.table(dump, f, root().clock.instant()).render();
      }
      return Json.render(Json.tree(SecretView.select(dump, f)), format);
    }
  }

  @Command(name = "bootstrap", aliases = {"b"}, mixinStandardHelpOptions = true,
      description = "The proxy's bootstrap (JSON; -o yaml for YAML).")
  static final class BootstrapView extends DumpView {
    @Override
    String render(ConfigDump dump, OutputFormat format) {
      return Json.render(Json.tree(dump.getBootstrap()), format == OutputFormat.yaml ? format : OutputFormat.json);
    }
  }

  @Command(name = "all", aliases = {"a"}, mixinStandardHelpOptions = true,
      description = "Listeners, routes, clusters, endpoints and secrets; -o json|yaml prints the whole config dump.")
  static final class All extends DumpView {
    @Override
    public Integer call() {
      if (target.file != null || output.format != OutputFormat.table) {
        return super.call();
      }
      AdminClient admin = target.admin(root());
      PrintWriter out = out();
      out.print(tables(admin.configDump(), EndpointView.fromClusters(admin.clusters())));
      out.flush();
      return 0;
    }

    @Override
    String render(ConfigDump dump, OutputFormat format) {
      if (format != OutputFormat.table) {
        return Json.render(Json.tree(dump), format);
      }
      return tables(dump, EndpointView.fromConfigDump(dump));
    }

    private String tables(ConfigDump dump, List<EndpointView.Row> endpoints) {
      List<String> parts = new ArrayList<>();
      parts.add(ListenerView.table(ConfigDumps.listeners(dump), ListenerView.Filter.ALL).render());
      parts.add(RouteView.table(ConfigDumps.routeConfigs(dump), RouteView.Filter.ALL).render());
      parts.add(ClusterView.table(ConfigDumps.clusters(dump), ClusterView.Filter.ALL).render());
      parts.add(EndpointView.table(endpoints, EndpointView.Filter.ALL).render());
      parts.add(SecretView.table(dump, SecretView.Filter.ALL, root().clock.instant()).render());
      return String.join("\n", parts);
    }
  }

  @Command(name = "log", aliases = {"o"}, mixinStandardHelpOptions = true,
      description = {
        "Show or change the proxy's log levels (POST /logging).",
        "--level debug sets every logger; --level http:debug,upstream:trace sets named loggers."
      })
  static final class Log implements Callable<Integer> {
    private static final Pattern LEVEL = Pattern.compile("trace|debug|info|warning|warn|error|critical|off");
    private static final Pattern LOGGER = Pattern.compile("[A-Za-z0-9_.\\-]+");

    @Spec CommandSpec spec;

    @Mixin ProxyTarget target;

    @Option(names = "--level", paramLabel = "LEVEL",
        description = "A level for all loggers (trace, debug, info, warning, error, critical, off), "
            + "or comma-separated logger:level pairs.")
    String level;

    @Option(names = "--reset", description = "Reset every logger to the default level (warning).")
    boolean reset;

    @Override
    public Integer call() {
      if (target.file != null) {
        throw new MeshctlException("log talks to a running proxy; -f does not apply");
      }
      String query = reset ? "level=warning" : level == null ? "" : query(level);
      AdminClient admin = target.admin(Main.of(spec));
      String answer = admin.logging(query);
      PrintWriter out = spec.commandLine().getOut();
      out.print(answer.endsWith("\n") || answer.isEmpty() ? answer : answer + "\n");
      out.flush();
      return 0;
    }

    static String query(String level) {
      List<String> params = new ArrayList<>();
      for (String part : level.split(",")) {
        String p = part.trim();
        int colon = p.indexOf(':');
        String logger = colon < 0 ? null : p.substring(0, colon).trim();
        String lvl = (colon < 0 ? p : p.substring(colon + 1)).trim().toLowerCase(Locale.ROOT);
        if (!LEVEL.matcher(lvl).matches()) {
          throw new MeshctlException(
              "invalid log level \"" + lvl + "\" in --level " + level
                  + " (use trace, debug, info, warning, error, critical or off)");
        }
        if (logger == null) {
          params.add("level=" + lvl);
        } else if (LOGGER.matcher(logger).matches()) {
          params.add(logger + "=" + lvl);
        } else {
          throw new MeshctlException("invalid logger name \"" + logger + "\" in --level " + level);
        }
      }
      return String.join("&", params);
    }
  }

}
