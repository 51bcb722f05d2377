package io.minimesh.e2e.harness;

/** A running pilot-agent (which runs its own mesh-proxy child) and its ports. */
public record AgentProcess(ProcessFixture process, int adminPort, int statusPort, int metricsPort) {

  /** The admin API of the proxy the agent runs. */
  public ProxyAdmin admin() {
    return new ProxyAdmin("127.0.0.1", adminPort);
  }

  /** {@code http://127.0.0.1:<status>/healthz/ready}: 200 once the proxy accepted pilot's config. */
  public String readyUrl() {
    return "http://127.0.0.1:" + statusPort + "/healthz/ready";
  }
}
