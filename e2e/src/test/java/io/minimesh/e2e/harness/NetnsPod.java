package io.minimesh.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A "pod": a network namespace with loopback up and eth0 (one end of a veth pair whose other end
 * is on a {@link NetnsBridge}), an address of the bridge's subnet, a default route via the bridge,
 * and its own hosts file ({@code /etc/netns/<ns>/hosts}, which {@code ip netns exec} mounts over
 * /etc/hosts). Created by {@link NetnsBridge#pod}; removed with the bridge.
 */
public final class NetnsPod implements AutoCloseable {

  private final String podName;
  private final String netns;
  private final String ip;
  private final String hostVeth;
  private final Map<String, String> hosts = new LinkedHashMap<>();
  private boolean closed;

  private NetnsPod(String podName, String netns, String ip, String hostVeth) {
    this.podName = podName;
    this.netns = netns;
    this.ip = ip;
    this.hostVeth = hostVeth;
  }

  static NetnsPod create(NetnsBridge bridge, String podName, String ip) {
    if (!podName.matches("[a-z0-9-]{1,20}")) {
      throw new IllegalArgumentException("pod name must be 1-20 of [a-z0-9-]: " + podName);
    }
    int n = bridge.nextIfIndex();
    String netns = NetnsBridge.nsName(podName);
    String hostSide = bridge.vethName("h", n);
    String podSide = bridge.vethName("p", n);
    NetnsPod pod = new NetnsPod(podName, netns, ip, hostSide);
    try {
      NetnsBridge.ip("netns", "add", netns);
      NetnsBridge.ip("link", "add", hostSide, "type", "veth", "peer", "name", podSide);
      NetnsBridge.ip("link", "set", hostSide, "master", bridge.name());
      NetnsBridge.ip("link", "set", hostSide, "up");
      NetnsBridge.ip("link", "set", podSide, "netns", netns);
      NetnsBridge.ip("-n", netns, "link", "set", podSide, "name", "eth0");
      NetnsBridge.ip("-n", netns, "addr", "add", ip + "/24", "dev", "eth0");
      NetnsBridge.ip("-n", netns, "link", "set", "eth0", "up");
      NetnsBridge.ip("-n", netns, "link", "set", "lo", "up");
      NetnsBridge.ip("-n", netns, "route", "add", "default", "via", bridge.gateway());
      pod.writeHosts();
    } catch (RuntimeException e) {
      pod.close();
      throw e;
    }
    return pod;
  }

  /** The pod's name as given ("client"). */
  public String name() {
    return podName;
  }

  /** The namespace's name ("mm-<pid>-client"). */
  public String netns() {
    return netns;
  }

  /** The pod's address on the bridge. */
  public String ip() {
    return ip;
  }

  /** Adds {@code address hostname} to the pod's hosts file (e.g. a service name to a service IP). */
  public synchronized NetnsPod addHost(String hostname, String address) {
    hosts.put(hostname, address);
    writeHosts();
    return this;
  }

  private void writeHosts() {
    StringBuilder sb = new StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
    sb.append(ip).append(' ').append(podName).append('\n');
    hosts.forEach((h, a) -> sb.append(a).append(' ').append(h).append('\n'));
    try {
      Path dir = Files.createDirectories(etcDir(netns));
      Files.writeString(dir.resolve("hosts"), sb.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code ip netns exec <ns> command…}. */
  public List<String> command(String... command) {
    return command(List.of(command));
  }

  public List<String> command(List<String> command) {
    List<String> cmd = new ArrayList<>(List.of(Executables.require("ip"), "netns", "exec", netns));
    cmd.addAll(command);
    return cmd;
  }

  /** Runs a command inside the pod to completion. */
  public CommandResult exec(String... command) {
    return exec(List.of(command));
  }

  public CommandResult exec(List<String> command) {
    return Commands.run(command(command), Duration.ofSeconds(60));
  }

  /** spec, run inside this pod. */
  public ProcessSpec wrap(ProcessSpec spec) {
    return spec.inNetns(netns);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    String ipCmd = Executables.require("ip");
    // Deleting the namespace destroys its veth end and with it the pair; delete the host end too in
    // case the pod side never moved into the namespace.
    Commands.run(List.of(ipCmd, "netns", "del", netns), Duration.ofSeconds(10));
    Commands.run(List.of(ipCmd, "link", "del", hostVeth), Duration.ofSeconds(10));
    deleteEtc(netns);
  }

  static Path etcDir(String netns) {
    return Path.of("/etc/netns", netns);
  }

  static void deleteEtc(String netns) {
    MeshProcesses.deleteRecursively(etcDir(netns));
  }

  @Override
  public String toString() {
    return podName + "(" + netns + ", " + ip + ")";
  }
}
