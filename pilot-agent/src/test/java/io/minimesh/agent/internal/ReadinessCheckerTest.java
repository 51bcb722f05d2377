package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadinessCheckerTest {
  private final FakeHttpServer admin;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean stopping = new AtomicBoolean(false);
  private final ReadinessChecker checker;

  ReadinessCheckerTest() throws Exception {
    admin = new FakeHttpServer().reply("/ready", 200, "LIVE\n");
    checker = new ReadinessChecker(new AdminClient("127.0.0.1", admin.port(), Duration.ofSeconds(5)), this::status);
  }

  private ProxySupervisor.Status status() {
    return new ProxySupervisor.Status(running.get(), 1, 1, 0, 0, null, stopping.get());
  }

  @AfterEach
  void close() {
    admin.close();
  }

  @Test
  void walksFromNotReceivedThroughRejectedToReady() {
    admin.reply("/xds_status", 200, FakeHttpServer.xdsStatus(0, 0, "", 0, 0, ""));
    assertThat(checker.check())
        .isEqualTo(Readiness.notReady("config not received from XDS server (is pilot running?)"));

    admin.reply("/xds_status", 200,
        FakeHttpServer.xdsStatus(0, 1, "Error [MM0201] (Cluster outbound|80||reviews) field lb_policy: unknown", 0, 0, ""));
    assertThat(checker.check())
        .isEqualTo(Readiness.notReady("config received from XDS server, but was rejected: "
            + "CDS: Error [MM0201] (Cluster outbound|80||reviews) field lb_policy: unknown"));

    // Clusters accepted, listeners still missing: not ready yet.
    admin.reply("/xds_status", 200, FakeHttpServer.xdsStatus(2, 1, "old", 0, 0, ""));
    assertThat(checker.check().ready()).isFalse();

    admin.reply("/xds_status", 200, FakeHttpServer.xdsStatus(2, 1, "old", 1, 0, ""));
    assertThat(checker.check()).isEqualTo(Readiness.READY);
  }

  @Test
  void rejectedListenersWithoutTextReportCounters() {
    admin.reply("/xds_status", 200, FakeHttpServer.xdsStatus(1, 0, "", 0, 2, ""));
    assertThat(checker.check().reason())
        .isEqualTo("config received from XDS server, but was rejected: "
            + "cds updates: 1 successful, 0 rejected; lds updates: 0 successful, 2 rejected");
  }

  @Test
  void fallsBackToStatsCountersWithoutXdsStatus() {
    admin.reply("/stats", 200, "cluster_manager.cds.update_success: 0\nlistener_manager.lds.update_success: 0\n");
    assertThat(checker.check().reason()).isEqualTo("config not received from XDS server (is pilot running?)");

    admin.reply("/stats", 200, "cluster_manager.cds.update_rejected: 3\ncluster_manager.cds.update_success: 0\n");
    assertThat(checker.check().reason()).startsWith("config received from XDS server, but was rejected: ");

    admin.reply("/stats", 200,
        "cluster_manager.cds.update_success: 4\nlistener_manager.lds.update_success: 1\n");
    assertThat(checker.check()).isEqualTo(Readiness.READY);
    assertThat(admin.requests).anyMatch(r -> r.pathAndQuery().startsWith("/stats?filter="));
  }

  @Test
  void proxyNotLiveYetIsNotReady() {
    admin.reply("/xds_status", 200, FakeHttpServer.xdsStatus(1, 0, "", 1, 0, ""));
    admin.reply("/ready", 503, "INITIALIZING\n");
    assertThat(checker.check().reason()).isEqualTo("server is not live, current state is: INITIALIZING");
  }

  @Test
  void stoppedProxyAndUnreachableAdmin() throws Exception {
    running.set(false);
    assertThat(checker.check().reason()).isEqualTo("proxy is not running");

    running.set(true);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ReadinessChecker nowhere =
        new ReadinessChecker(new AdminClient("127.0.0.1", closedPort, Duration.ofSeconds(5)), this::status);
    assertThat(nowhere.check().reason()).isEqualTo("admin API not reachable");
  }

  @Test
  void drainingProxyIsNotReadyEvenWithConfig() {
    admin.reply("/xds_status", 200, FakeHttpServer.xdsStatus(1, 0, "", 1, 0, ""));
    assertThat(checker.check().ready()).isTrue();
    stopping.set(true);
    assertThat(checker.check().reason()).isEqualTo("proxy is draining and shutting down");
  }
}
