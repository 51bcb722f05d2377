package io.minimesh.meshctl;

import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.meshctl.internal.admin.AdminClient;
import io.minimesh.meshctl.internal.xds.PilotClient;
import io.minimesh.meshctl.internal.xds.ProxyLocator;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Which proxy a command looks at: {@code PROXY} found through pilot, or {@code --admin-address}, or {@code -f}. */
final class ProxyTarget {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "PROXY",
      description = "The proxy, as name.namespace (namespace defaults to \"default\"), as pilot lists it; on Kubernetes "
          + "<pod>[.<namespace>].")
  String proxy;

  @Option(
      names = "--admin-address",
      paramLabel = "HOST:PORT",
      description = "Reach the proxy's admin API here instead of asking pilot where it is.")
  String adminAddress;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "Read a saved config dump (JSON or YAML, as /config_dump returns it) instead of asking a proxy.")
  Path file;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "Namespace of a PROXY given without one (default: default).")
  String namespace;

  String proxyId() {
    return proxy == null ? null : ProxyLocator.normalizeId(proxy, namespace);
  }

  /** The admin API of the target proxy: the flag, else the address the proxy reported to pilot. */
  AdminClient admin(Main root) {
    if (adminAddress != null) {
      return new AdminClient(adminAddress, root.timeout);
    }
    if (proxy == null) {
      throw new MeshctlException(
          "specify a proxy (name.namespace), --admin-address HOST:PORT or -f FILE");
    }
    if (KubeProxies.active(root)) {
      // On Kubernetes the proxy is its pod: port-forward to the admin port, no detour through pilot.
      return new AdminClient(KubeProxies.adminAddress(root, proxyId()), root.timeout);
    }
    try (PilotClient pilot = root.pilot()) {
      ConnectedProxy c = ProxyLocator.find(pilot, proxyId());
      return new AdminClient(ProxyLocator.adminAddress(c), root.timeout);
    }
  }
}
