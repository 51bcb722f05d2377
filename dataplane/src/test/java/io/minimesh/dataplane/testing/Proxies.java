package io.minimesh.dataplane.testing;

import io.minimesh.dataplane.bootstrap.BootstrapLoader;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.runtime.ProxyOptions;
import io.minimesh.dataplane.runtime.ProxyRuntime;

/** Starts an in-process proxy from bootstrap YAML (Minimesh format). */
public final class Proxies {
  private Proxies() {}

  public static ProxyRuntime start(String yaml) {
    try {
      return ProxyRuntime.start(BootstrapLoader.fromString(yaml), ProxyOptions.defaults());
    } catch (InvalidConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** A STATIC cluster with endpoints on 127.0.0.1 at {@code ports}. */
  public static String staticCluster(String name, String extra, int... ports) {
    StringBuilder sb = new StringBuilder();
    sb.append("  - name: ").append(name).append("\n    connect_timeout: 1s\n");
    if (!extra.isEmpty()) sb.append(extra);
    sb.append("    load_assignment:\n      cluster_name: ").append(name).append("\n      endpoints:\n      - lb_endpoints:\n");
    for (int p : ports) {
      sb.append("        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ")
          .append(p).append("}}}\n");
    }
    return sb.toString();
  }
}
