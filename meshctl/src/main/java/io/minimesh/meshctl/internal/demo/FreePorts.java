package io.minimesh.meshctl.internal.demo;

import io.minimesh.meshctl.MeshctlException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Free TCP ports on an address, for components that must be told their port up front. */
final class FreePorts {
  private final Set<Integer> handedOut = new HashSet<>();

  /** A port free right now on {@code host} and not handed out before by this instance. */
  int pick(String host) {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
        int port = s.getLocalPort();
        if (handedOut.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new MeshctlException("cannot find a free port on " + host + ": " + e.getMessage());
      }
    }
    throw new MeshctlException("cannot find a free port on " + host);
  }

  /** Checks that a port the user asked for can be bound. */
  static void checkFree(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new MeshctlException("port " + host + ":" + port + " is not free (" + e.getMessage() + "); pick another with --ingress-port");
    }
  }
}
