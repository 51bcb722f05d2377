package io.minimesh.agent.internal;

import java.io.IOException;
import java.util.Locale;
import java.util.function.Supplier;

/** The agent's own metrics in Prometheus text, followed by the proxy's {@code /stats/prometheus}. */
final class AgentMetrics {
  private final Supplier<ProxySupervisor.Status> status;
  private final Supplier<Readiness> readiness;
  private final AdminClient admin;
  private final Scheduler clock;
  private final long agentStartNanos;
  private final String version;
  private final String role;
  private long scrapeFailures; // guarded by this

  AgentMetrics(
      Supplier<ProxySupervisor.Status> status,
      Supplier<Readiness> readiness,
      AdminClient admin,
      Scheduler clock,
      String version,
      String role) {
    this.status = status;
    this.readiness = readiness;
    this.admin = admin;
    this.clock = clock;
    this.agentStartNanos = clock.nanoTime();
    this.version = version;
    this.role = role;
  }

  String render() {
    ProxySupervisor.Status s = status.get();
    long now = clock.nanoTime();
    String proxyText = null;
    if (s.running()) {
      try {
        AdminClient.Response r = admin.get("/stats/prometheus");
        if (r.status() == 200) {
          proxyText = r.body();
        }
      } catch (IOException e) {
        // counted below
      }
    }
    long failures;
    synchronized (this) {
      if (s.running() && proxyText == null) {
        scrapeFailures++;
      }
      failures = scrapeFailures;
    }
    StringBuilder b = new StringBuilder();
    metric(b, "minimesh_agent_build_info", "gauge", "Agent version and proxy role.",
        "{version=\"" + escape(version) + "\",role=\"" + role + "\"}", "1");
    metric(b, "minimesh_agent_uptime_seconds", "gauge", "Seconds since the agent started.", "",
        seconds(now - agentStartNanos));
    metric(b, "minimesh_agent_proxy_running", "gauge", "1 while the proxy process is running.", "",
        s.running() ? "1" : "0");
    metric(b, "minimesh_agent_proxy_uptime_seconds", "gauge",
        "Seconds since the current proxy process started (0 when not running).", "",
        s.running() ? seconds(now - s.startedAtNanos()) : "0");
    metric(b, "minimesh_agent_proxy_restarts_total", "counter",
        "Times the agent restarted the proxy after it exited.", "", Integer.toString(s.restarts()));
    metric(b, "minimesh_agent_proxy_ready", "gauge",
        "1 when /healthz/ready answers 200.", "", readiness.get().ready() ? "1" : "0");
    metric(b, "minimesh_agent_proxy_scrape_failures_total", "counter",
        "Scrapes of the proxy's /stats/prometheus that failed.", "", Long.toString(failures));
    if (proxyText != null && !proxyText.isEmpty()) {
      b.append(proxyText);
      if (!proxyText.endsWith("\n")) {
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static void metric(
      StringBuilder b, String name, String type, String help, String labels, String value) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    b.append(name).append(labels).append(' ').append(value).append('\n');
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.3f", Math.max(0, nanos) / 1e9);
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
