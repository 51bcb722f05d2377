package io.minimesh.e2e.harness;

/** A running testapp: where to reach its HTTP (HTTP/1.1 + h2c), gRPC echo and TCP echo ports. */
public record TestAppProcess(ProcessFixture process, String name, String host, int httpPort, int grpcPort,
    int tcpPort) {

  /** {@code http://host:httpPort + path}. */
  public String url(String path) {
    return "http://" + host + ":" + httpPort + path;
  }

  /** {@code host:grpcPort}, for a gRPC channel. */
  public String grpcTarget() {
    return host + ":" + grpcPort;
  }
}
