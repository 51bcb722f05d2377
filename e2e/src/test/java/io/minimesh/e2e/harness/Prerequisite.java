package io.minimesh.e2e.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Something of the machine a whole-mesh test needs. {@link #missing()} names what is absent, in a
 * sentence a developer can act on; results are cached for the JVM.
 */
public enum Prerequisite {
  /** Debian's httpbin served by gunicorn ({@code apt-get install python3-httpbin gunicorn}). */
  HTTPBIN,
  /** Running as root (network namespaces, iptables). */
  ROOT,
  /** {@code iptables} with the nat table usable (root). */
  IPTABLES,
  /** {@code ip} from iproute2. */
  IPROUTE2,
  /** Network namespaces: root, {@code ip netns} works. */
  NETNS,
  CURL,
  /** nghttp2-client: {@code nghttp} and {@code h2load}. */
  NGHTTP2,
  NGINX,
  HAPROXY,
  WRK;

  private static final Map<Prerequisite, Optional<String>> CACHE = new ConcurrentHashMap<>();

  /** Empty when present, else why not (e.g. "gunicorn not found on PATH (apt-get install gunicorn)"). */
  public Optional<String> missing() {
    // Not computeIfAbsent: some checks ask for others (NETNS needs ROOT), which would update the map
    // recursively. Two threads may both compute a result; either one is right.
    Optional<String> cached = CACHE.get(this);
    if (cached != null) {
      return cached;
    }
    Optional<String> result = check(this);
    CACHE.putIfAbsent(this, result);
    return result;
  }

  private static Optional<String> check(Prerequisite p) {
    return switch (p) {
      case HTTPBIN -> checkHttpbin();
      case ROOT -> isRoot() ? Optional.empty() : Optional.of("not running as root");
      case IPTABLES -> ROOT.missing().or(() -> executable("iptables", "iptables"))
          .or(() -> runs(List.of(Executables.require("iptables"), "-t", "nat", "-S"), "iptables -t nat -S"));
      case IPROUTE2 -> executable("ip", "iproute2");
      case NETNS -> ROOT.missing().or(() -> IPROUTE2.missing())
          .or(() -> runs(List.of(Executables.require("ip"), "netns", "list"), "ip netns list"));
      case CURL -> executable("curl", "curl");
      case NGHTTP2 -> executable("nghttp", "nghttp2-client").or(() -> executable("h2load", "nghttp2-client"));
      case NGINX -> executable("nginx", "nginx");
      case HAPROXY -> executable("haproxy", "haproxy");
      case WRK -> executable("wrk", "wrk");
    };
  }

  private static Optional<String> checkHttpbin() {
    Optional<Path> gunicorn = Executables.find("gunicorn").or(() -> Executables.find("gunicorn3"));
    if (gunicorn.isEmpty()) {
      return Optional.of("gunicorn not found on PATH (apt-get install gunicorn python3-httpbin)");
    }
    // httpbin must be importable by gunicorn's own interpreter, not whatever python3 is first on PATH.
    String python = Executables.interpreterOf(gunicorn.get()).orElse("python3");
    return runs(List.of(python, "-c", "import httpbin"), python + " -c 'import httpbin'")
        .map(why -> "the httpbin module is not importable by gunicorn's python (apt-get install python3-httpbin): "
            + why);
  }

  static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (Exception e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static Optional<String> executable(String name, String debianPackage) {
    return Executables.find(name).isPresent()
        ? Optional.empty()
        : Optional.of(name + " not found on PATH (apt-get install " + debianPackage + ")");
  }

  private static Optional<String> runs(List<String> command, String display) {
    try {
      CommandResult r = Commands.run(command, Duration.ofSeconds(20));
      return r.exitCode() == 0 ? Optional.empty()
          : Optional.of(display + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
    } catch (RuntimeException e) {
      return Optional.of(display + " failed: " + e.getMessage());
    }
  }
}
