package io.minimesh.agent.internal;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "wait",
    description = "Waits until the proxy is ready (GET /healthz/ready answers 200) or the timeout passes.")
final class WaitCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--timeout", defaultValue = "60s", description = "How long to wait (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--status-port", defaultValue = "15021", description = "The agent's status port.")
  int statusPort;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "The agent's host.")
  String host;

  @Option(names = "--period", defaultValue = "500ms", description = "Time between polls.")
  Duration period;

  @Option(names = "--request-timeout", defaultValue = "1s", description = "Timeout of one poll.")
  Duration requestTimeout;

  @Override
  public Integer call() throws InterruptedException {
    Flags.port("--status-port", statusPort, false);
    ReadyWaiter waiter =
        new ReadyWaiter(host, statusPort, period, requestTimeout, System::nanoTime,
            d -> Thread.sleep(d.toMillis()));
    ReadyWaiter.Outcome o = waiter.await(timeout);
    if (o.ready()) {
      spec.commandLine().getOut().println("proxy is ready");
      return 0;
    }
    spec.commandLine().getErr().println(
        "Error: timeout waiting for the proxy to become ready after " + Durations.format(timeout)
            + "; last reason: " + o.lastReason());
    return 1;
  }
}
