package io.minimesh.e2e.harness;

/** A running pilot: its xDS address and its monitoring port. */
public record PilotProcess(ProcessFixture process, int xdsPort, int monitoringPort) {

  /** {@code 127.0.0.1:xdsPort}, for --discovery-address and --xds-address. */
  public String xdsAddress() {
    return "127.0.0.1:" + xdsPort;
  }
}
