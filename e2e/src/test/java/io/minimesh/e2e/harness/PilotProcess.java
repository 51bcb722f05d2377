package io.minimesh.e2e.harness;

/** A running pilot: its xDS address and its monitoring port. */
public record PilotProcess(ProcessFixture process, int xdsPort, int monitoringPort, String host) {

  public PilotProcess(ProcessFixture process, int xdsPort, int monitoringPort) {
    this(process, xdsPort, monitoringPort, "127.0.0.1");
  }

  /** {@code host:xdsPort}, for --discovery-address and --xds-address. */
  public String xdsAddress() {
    return host + ":" + xdsPort;
  }
}
