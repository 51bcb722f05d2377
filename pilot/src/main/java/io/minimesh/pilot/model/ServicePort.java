package io.minimesh.pilot.model;

/** A port of a service: name, number, protocol (upper case, Istio names), and the port workloads listen on. */
public record ServicePort(String name, int number, String protocol, int targetPort) {
  /** HTTP family protocols are routed by an HTTP connection manager; the rest by tcp_proxy. */
  public boolean isHttp() {
    return Protocols.isHttp(protocol);
  }
}
