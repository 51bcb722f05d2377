package io.minimesh.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Free loopback ports, and probes. */
public final class Ports {

  private Ports() {}

  /**
   * A port that was free on 127.0.0.1 a moment ago. Prefer letting a process bind port 0 and report
   * its port (testapp does); use this for programs that cannot.
   */
  public static int free() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  /** n distinct free ports. */
  public static int[] free(int n) {
    int[] ports = new int[n];
    for (int i = 0; i < n; i++) {
      int p;
      do {
        p = free();
      } while (contains(ports, i, p));
      ports[i] = p;
    }
    return ports;
  }

  private static boolean contains(int[] a, int len, int v) {
    for (int i = 0; i < len; i++) {
      if (a[i] == v) {
        return true;
      }
    }
    return false;
  }

  /** Whether something accepts TCP connections on host:port. */
  public static boolean accepting(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
