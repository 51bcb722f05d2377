package io.minimesh.agent.internal;

import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Address;
import io.minimesh.api.xds.v1.Admin;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.DynamicResources;
import io.minimesh.api.xds.v1.Locality;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.SocketAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/** Renders the proxy's bootstrap (Minimesh JSON format, loadable with {@code mesh-proxy -c}). */
final class BootstrapGenerator {

  static Bootstrap generate(AgentConfig c) {
    Node.Builder node =
        Node.newBuilder()
            .setId(c.id())
            .setCluster(serviceCluster(c))
            .setProxyType(c.role())
            .setNamespace(c.namespace())
            .putAllLabels(c.labels())
            .addAllIpAddresses(c.ipAddresses())
            .setAdminAddress(c.adminConnectHost() + ":" + c.adminPort())
            .setVersion(c.version());
    if (!c.locality().isEmpty()) {
      node.setLocality(locality(c.locality()));
    }
    Map<String, String> metadata = new TreeMap<>(c.metadata());
    if (!c.portMap().isEmpty()) {
      // Pilot binds a router's Gateway ports on the mapped (unprivileged) ports.
      metadata.put("port_map", c.portMap());
    }
    node.putAllMetadata(metadata);
    return Bootstrap.newBuilder()
        .setNode(node)
        .setAdmin(
            Admin.newBuilder()
                .setAddress(
                    Address.newBuilder()
                        .setSocketAddress(
                            SocketAddress.newBuilder()
                                .setAddress(c.bindIp())
                                .setPortValue(c.adminPort()))))
        .setDynamicResources(DynamicResources.newBuilder().setAdsAddress(c.discoveryAddress()))
        .build();
  }

  static String render(AgentConfig c) {
    return JsonPrinter.print(generate(c)) + "\n";
  }

  /** Writes the bootstrap atomically (the proxy never reads a half-written file) and returns its path. */
  static Path write(AgentConfig c) throws IOException {
    Path file = c.bootstrapFile();
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), ".bootstrap-", ".tmp");
    Files.writeString(tmp, render(c), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  /** Istio's service cluster: the workload's app name and namespace. */
  static String serviceCluster(AgentConfig c) {
    String app = c.labels().get("app");
    if (app == null) {
      app = c.labels().get("app.kubernetes.io/name");
    }
    if (app == null) {
      app = c.labels().get("service.istio.io/canonical-name");
    }
    if (app == null) {
      app = c.name();
    }
    return app + "." + c.namespace();
  }

  static Locality locality(String text) {
    String[] parts = text.split("/", -1);
    if (parts.length > 3) {
      throw new IllegalArgumentException(
          "invalid locality \"" + text + "\": expected REGION[/ZONE[/SUBZONE]]");
    }
    Locality.Builder b = Locality.newBuilder().setRegion(parts[0]);
    if (parts.length > 1) {
      b.setZone(parts[1]);
    }
    if (parts.length > 2) {
      b.setSubZone(parts[2]);
    }
    return b.build();
  }

  private BootstrapGenerator() {}
}
