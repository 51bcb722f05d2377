package io.minimesh.testapp;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code testapp}: the upstream of the e2e tests and of {@code meshctl demo}. */
@Command(name = "testapp", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {
        "httpbin-compatible HTTP/1.1 + h2c server, gRPC echo (minimesh.testapp.Echo) and TCP echo.",
        "Prints 'READY http=N grpc=N tcp=N' once every port is bound (0 = pick a free port)."})
public final class Main implements Callable<Integer> {

  @Option(names = "--name", defaultValue = "testapp",
      description = "Name sent in every x-served-by header (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(names = "--bind", defaultValue = "127.0.0.1",
      description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--http-port", defaultValue = "8080",
      description = "HTTP/1.1 and h2c port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--grpc-port", defaultValue = "9090",
      description = "gRPC echo port (default: ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--tcp-port", defaultValue = "9000",
      description = "TCP echo port (default: ${DEFAULT-VALUE}).")
  int tcpPort;

  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
    }
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    TestApp.Config config = new TestApp.Config(name, bind, httpPort, grpcPort, tcpPort);
    TestApp app;
    try {
      app = TestApp.start(config);
    } catch (Exception e) {
      System.err.println("Error: testapp could not start: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM / Ctrl-C: stop accepting, let in-flight work end briefly, exit 0.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.close();
      stopped.countDown();
    }, "testapp-shutdown"));
    System.out.printf("READY http=%d grpc=%d tcp=%d%n", app.httpPort(), app.grpcPort(), app.tcpPort());
    System.out.flush();
    stopped.await();
    return 0;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"testapp " + (v == null ? "dev" : v)};
    }
  }
}
