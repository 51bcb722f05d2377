package io.minimesh.e2e.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux bridge joining network-namespace "pods" on a /24 of the benchmark-testing range
 * 198.18.0.0/15 (RFC 2544: never routed, so tests cannot reach a real network). Names carry this
 * JVM's pid so parallel test runs on one machine do not collide; resources left by a killed JVM are
 * removed by the next {@link #create}. Requires {@link Prerequisite#NETNS}.
 */
public final class NetnsBridge implements AutoCloseable {

  static final String PREFIX = "mm";
  private static final long PID = ProcessHandle.current().pid();
  private static int counter;

  private final String name;
  private final String subnetPrefix; // "198.18.7."
  private final List<NetnsPod> pods = new ArrayList<>();
  private int nextHost = 2;
  private boolean closed;

  private NetnsBridge(String name, String subnetPrefix) {
    this.name = name;
    this.subnetPrefix = subnetPrefix;
  }

  /** A new bridge, removed (with its pods) when mesh closes, after mesh's processes stopped. */
  public static NetnsBridge create(MeshProcesses mesh) {
    NetnsBridge bridge = create();
    mesh.onClose(bridge::close);
    return bridge;
  }

  public static synchronized NetnsBridge create() {
    Prerequisites.require(Prerequisite.NETNS);
    removeStale();
    int id = ++counter;
    String name = "mb" + PID + "x" + id;
    String prefix = freeSubnet();
    NetnsBridge b = new NetnsBridge(name, prefix);
    try {
      ip("link", "add", name, "type", "bridge");
      ip("addr", "add", b.gateway() + "/24", "dev", name);
      ip("link", "set", name, "up");
    } catch (RuntimeException e) {
      b.close();
      throw e;
    }
    return b;
  }

  public String name() {
    return name;
  }

  /** The bridge's own address: the pods' default gateway, and how the host reaches them. */
  public String gateway() {
    return subnetPrefix + "1";
  }

  /** A new pod on this bridge with the next free address. */
  public synchronized NetnsPod pod(String podName) {
    if (nextHost > 254) {
      throw new IllegalStateException("bridge " + name + " is full");
    }
    NetnsPod pod = NetnsPod.create(this, podName, subnetPrefix + nextHost++);
    pods.add(pod);
    return pod;
  }

  String vethName(String side, int n) {
    return "m" + side + PID + "x" + n;
  }

  synchronized int nextIfIndex() {
    return ++counter;
  }

  static String nsName(String podName) {
    return PREFIX + "-" + PID + "-" + podName;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failure = null;
    for (int i = pods.size() - 1; i >= 0; i--) {
      try {
        pods.get(i).close();
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    Commands.run(List.of(Executables.require("ip"), "link", "del", name), Duration.ofSeconds(10));
    if (failure != null) {
      throw failure;
    }
  }

  static CommandResult ip(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Executables.require("ip")));
    cmd.addAll(List.of(args));
    return Commands.run(cmd, Duration.ofSeconds(10)).assertOk();
  }

  /** A 198.18.x.0/24 or 198.19.x.0/24 that no interface of the host uses yet. */
  private static String freeSubnet() {
    String used = ip("-4", "-o", "addr", "show").stdout();
    for (int i = 0; i < 512; i++) {
      int index = (int) ((PID * 7 + counter + i) % 512);
      String prefix = "198." + (18 + index / 256) + "." + (index % 256) + ".";
      if (!used.contains(" " + prefix)) {
        return prefix;
      }
    }
    throw new IllegalStateException("no free /24 in 198.18.0.0/15");
  }

  /** Removes namespaces, bridges and hosts files of test JVMs that no longer run. */
  private static void removeStale() {
    Pattern ns = Pattern.compile("^" + PREFIX + "-(\\d+)-(\\S+)");
    for (String line : ip("netns", "list").stdout().split("\n")) {
      Matcher m = ns.matcher(line.trim());
      if (m.find() && !alive(Long.parseLong(m.group(1)))) {
        String nsName = m.group(0);
        Commands.run(List.of(Executables.require("ip"), "netns", "del", nsName), Duration.ofSeconds(10));
        NetnsPod.deleteEtc(nsName);
      }
    }
    Pattern br = Pattern.compile("^\\d+: (m[bh](\\d+)x\\d+)[@:]");
    for (String line : ip("-o", "link", "show").stdout().split("\n")) {
      Matcher m = br.matcher(line.trim());
      if (m.find() && !alive(Long.parseLong(m.group(2)))) {
        Commands.run(List.of(Executables.require("ip"), "link", "del", m.group(1)), Duration.ofSeconds(10));
      }
    }
    Path etc = Path.of("/etc/netns");
    if (Files.isDirectory(etc)) {
      try (var s = Files.list(etc)) {
        s.forEach(p -> {
          Matcher m = ns.matcher(p.getFileName().toString());
          if (m.find() && !alive(Long.parseLong(m.group(1)))) {
            NetnsPod.deleteEtc(p.getFileName().toString());
          }
        });
      } catch (IOException e) {
        // best effort
      }
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
