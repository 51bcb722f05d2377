package io.minimesh.agent.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "iptables",
    description = "Installs (or with --cleanup removes) the nat rules that send the pod's TCP traffic"
        + " through the sidecar: outbound to --outbound-port, inbound to --inbound-port."
        + " Short options match Istio's istio-iptables.")
final class IptablesCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = {"-u", "--proxy-uid"}, defaultValue = "1337", description = "UID of the proxy; its traffic is not captured.")
  int proxyUid;

  @Option(names = {"-g", "--proxy-gid"}, description = "GID of the proxy (default: the UID).")
  Integer proxyGid;

  @Option(names = {"-p", "--outbound-port"}, defaultValue = "15001")
  int outboundPort;

  @Option(names = {"-z", "--inbound-port"}, defaultValue = "15006")
  int inboundPort;

  @Option(names = {"-b", "--include-inbound-ports"}, defaultValue = "*",
      description = "Inbound ports to capture: * (all) or a list; empty captures none.")
  String includeInboundPorts;

  @Option(names = {"-d", "--exclude-inbound-ports"}, defaultValue = "15090,15021,15020")
  String excludeInboundPorts;

  @Option(names = {"-o", "--exclude-outbound-ports"}, defaultValue = "")
  String excludeOutboundPorts;

  @Option(names = {"-i", "--include-outbound-cidrs"}, defaultValue = "*",
      description = "Destinations to capture: * or IPv4 CIDRs; empty captures none.")
  String includeOutboundCidrs;

  @Option(names = {"-x", "--exclude-outbound-cidrs"}, defaultValue = "")
  String excludeOutboundCidrs;

  @Option(names = {"-q", "--include-outbound-ports"}, defaultValue = "",
      description = "Outbound ports always captured, whatever the destination (e.g. with -i \"\").")
  String includeOutboundPorts;

  @Option(names = {"-c", "--exclude-interfaces"}, defaultValue = "",
      description = "Interfaces whose inbound traffic is never captured.")
  String excludeInterfaces;

  @Option(names = "--dry-run", description = "Print the iptables commands instead of running them.")
  boolean dryRun;

  @Option(names = "--cleanup", description = "Remove the rules and chains instead of installing them.")
  boolean cleanup;

  @Option(names = {"-m", "--istio-inbound-interception-mode"}, defaultValue = "REDIRECT",
      description = "Only REDIRECT is supported (accepted for Istio compatibility).")
  String interceptionMode;

  @Option(names = "--log_output_level", hidden = true, description = "Accepted for Istio compatibility.")
  String ignoredLogLevel;

  @Option(names = "--iptables", defaultValue = "iptables", description = "The iptables binary.")
  String iptables;

  IptablesConfig config() {
    if (!interceptionMode.equalsIgnoreCase("REDIRECT")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "interception mode \"" + interceptionMode + "\" is not supported: only REDIRECT");
    }
    try {
      String inbound = includeInboundPorts.trim();
      String outbound = includeOutboundCidrs.trim();
      return new IptablesConfig(
          proxyUid,
          proxyGid == null ? proxyUid : proxyGid,
          outboundPort,
          inboundPort,
          inbound.equals("*"),
          inbound.equals("*") ? List.of() : Flags.ports("--include-inbound-ports", inbound),
          Flags.ports("--exclude-inbound-ports", excludeInboundPorts),
          Flags.ports("--exclude-outbound-ports", excludeOutboundPorts),
          outbound.equals("*"),
          outbound.equals("*") ? List.of() : IptablesConfig.cidrs("--include-outbound-cidrs", outbound),
          IptablesConfig.cidrs("--exclude-outbound-cidrs", excludeOutboundCidrs),
          Flags.ports("--include-outbound-ports", includeOutboundPorts),
          IptablesConfig.names(excludeInterfaces));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  @Override
  public Integer call() {
    IptablesConfig config = cleanup ? null : config();
    PrintWriter out = spec.commandLine().getOut();
    if (dryRun) {
      for (List<String> rule : cleanup ? IptablesRules.cleanup() : IptablesRules.install(config)) {
        out.println(IptablesRules.commandLine(iptables, rule));
      }
      return 0;
    }
    IptablesRunner runner = new IptablesRunner(List.of(), iptables);
    try {
      if (cleanup) {
        runner.cleanup();
        out.println("removed Minimesh capture rules");
      } else {
        runner.install(config);
        out.println("installed Minimesh capture rules: outbound TCP -> " + config.outboundPort()
            + ", inbound TCP -> " + config.inboundPort() + ", UID/GID " + config.proxyUid() + "/"
            + config.proxyGid() + " untouched");
      }
      return 0;
    } catch (IOException e) {
      spec.commandLine().getErr().println("Error: " + e.getMessage());
      return 1;
    }
  }
}
