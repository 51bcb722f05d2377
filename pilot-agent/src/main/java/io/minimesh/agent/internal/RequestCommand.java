package io.minimesh.agent.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Istio's {@code pilot-agent request GET config_dump}: a call to the proxy's admin API from inside the pod. */
@Command(name = "request", description = "Sends a request to the proxy's admin API and prints the answer.")
final class RequestCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "GET|POST")
  String method;

  @Parameters(index = "1", paramLabel = "PATH", description = "e.g. config_dump, stats?filter=cds, /ready")
  String path;

  @Option(names = "--debug-port", defaultValue = "15000", description = "The proxy's admin port.")
  int debugPort;

  @Option(names = "--host", defaultValue = "127.0.0.1")
  String host;

  @Override
  public Integer call() {
    String m = method.toUpperCase(Locale.ROOT);
    if (!m.equals("GET") && !m.equals("POST")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "invalid method \"" + method + "\": expected GET or POST");
    }
    AdminClient admin = new AdminClient(host, debugPort, Duration.ofSeconds(10));
    String p = path.startsWith("/") ? path : "/" + path;
    AdminClient.Response r;
    try {
      r = m.equals("GET") ? admin.get(p) : admin.post(p);
    } catch (IOException e) {
      spec.commandLine().getErr().println(
          "Error: admin API at " + admin.address() + " not reachable (is the proxy running?): " + e.getMessage());
      return 1;
    }
    boolean ok = r.status() / 100 == 2;
    (ok ? spec.commandLine().getOut() : spec.commandLine().getErr()).print(r.body());
    (ok ? spec.commandLine().getOut() : spec.commandLine().getErr()).flush();
    if (!ok) {
      spec.commandLine().getErr().println("Error: " + m + " " + p + " answered " + r.status());
    }
    return ok ? 0 : 1;
  }
}
