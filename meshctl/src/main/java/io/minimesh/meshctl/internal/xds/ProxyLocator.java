package io.minimesh.meshctl.internal.xds;

import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.meshctl.MeshctlException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Finds a proxy by {@code name.namespace} among those connected to pilot, and how to reach its admin API. */
public final class ProxyLocator {
  private ProxyLocator() {}

  /** "webapp" means "webapp.default" (or "webapp.NS" with -n NS), as kubectl/istioctl default the namespace. */
  public static String normalizeId(String proxy, String namespace) {
    if (proxy.contains(".")) {
      return proxy;
    }
    return proxy + "." + (namespace == null || namespace.isBlank() ? "default" : namespace);
  }

  /**
   * The connected proxies pilot knows, by id, debug clients left out: its connections, and the nodes of
   * its sync statuses for any proxy the connections do not list (either debug type may be missing).
   */
  public static Map<String, ConnectedProxy> connected(PilotClient pilot) {
    Map<String, ConnectedProxy> byId = new TreeMap<>();
    MeshctlException failure = null;
    try {
      for (ConnectedProxy c : pilot.connections()) {
        if (!isDebugClient(c.getNode())) {
          byId.putIfAbsent(c.getNode().getId(), c);
        }
      }
    } catch (MeshctlException e) {
      failure = e;
    }
    try {
      for (SyncStatus s : pilot.syncz()) {
        Node n = s.getNode().getId().isEmpty() ? s.getNode().toBuilder().setId(s.getProxyId()).build() : s.getNode();
        if (!isDebugClient(n)) {
          byId.putIfAbsent(n.getId(), ConnectedProxy.newBuilder().setNode(n).build());
        }
      }
    } catch (MeshctlException e) {
      if (failure != null) {
        throw failure;
      }
    }
    return byId;
  }

  public static boolean isDebugClient(Node n) {
    return n.containsMetadata(PilotClient.DEBUG_CLIENT_METADATA);
  }

  /** The proxy's connection, or a not-found error listing the proxies pilot does know. */
  public static ConnectedProxy find(PilotClient pilot, String proxyId) {
    Map<String, ConnectedProxy> all = connected(pilot);
    ConnectedProxy c = all.get(proxyId);
    if (c == null) {
      throw notFound(proxyId, List.copyOf(all.keySet()));
    }
    return c;
  }

  public static MeshctlException notFound(String proxyId, List<String> known) {
    return new MeshctlException(
        "proxy \"" + proxyId + "\" not found; connected proxies: "
            + (known.isEmpty() ? "none" : String.join(", ", known)));
  }

  public static List<String> ids(List<SyncStatus> statuses) {
    return statuses.stream()
        .filter(s -> !isDebugClient(s.getNode()))
        .map(SyncStatus::getProxyId)
        .sorted()
        .toList();
  }

  /**
   * The admin address to dial: the node's reported admin address, with a wildcard host replaced by the
   * host pilot saw the connection come from.
   */
  public static String adminAddress(ConnectedProxy c) {
    String admin = c.getNode().getAdminAddress();
    if (admin.isEmpty()) {
      throw new MeshctlException(
          "proxy \"" + c.getNode().getId() + "\" did not report an admin address to pilot; use --admin-address HOST:PORT");
    }
    int colon = admin.lastIndexOf(':');
    String host = colon < 0 ? admin : admin.substring(0, colon);
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.isEmpty()) {
      String peer = c.getPeerAddress();
      int pc = peer.lastIndexOf(':');
      String peerHost = pc < 0 ? peer : peer.substring(0, pc);
      if (peerHost.startsWith("/")) {
        peerHost = peerHost.substring(1);
      }
      if (peerHost.isEmpty()) {
        peerHost = "127.0.0.1";
      }
      return peerHost + admin.substring(colon);
    }
    return admin;
  }
}
