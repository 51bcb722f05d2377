package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxySupervisorTest {
  private static final Duration S1 = Duration.ofSeconds(1);
  private static final Backoff BACKOFF =
      new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(60));
  private static final Duration DRAIN = Duration.ofSeconds(5);
  private static final Duration GRACE = Duration.ofSeconds(3);

  @TempDir Path dir;
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<Process> started = new CopyOnWriteArrayList<>();

  @AfterEach
  void killLeftovers() {
    started.forEach(Process::destroyForcibly);
  }

  private ProcessLauncher launcher() {
    return cmd -> {
      Process p = new ProcessBuilder(cmd).redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).start();
      started.add(p);
      return p;
    };
  }

  /** Ignores the supervisor's command and runs the next scripted shell snippet instead. */
  private ProcessLauncher scripted(String... scripts) {
    Deque<String> queue = new ArrayDeque<>(List.of(scripts));
    ProcessLauncher real = launcher();
    return cmd -> real.start(List.of("sh", "-c", queue.size() > 1 ? queue.poll() : queue.peek()));
  }

  private ProxySupervisor supervisor(List<String> cmd, ProcessLauncher l, boolean drainAccepted) {
    return new ProxySupervisor(cmd, l, scheduler, BACKOFF,
        () -> CompletableFuture.completedFuture(drainAccepted), DRAIN, GRACE);
  }

  @Test
  void crashingProxyIsRestartedWithExponentialBackoffUpToTheCap() {
    ProxySupervisor sup = supervisor(List.of("sh", "-c", "exit 1"), launcher(), true);
    sup.start();
    for (int seconds : new int[] {1, 2, 4, 8, 8}) {
      Duration expected = Duration.ofSeconds(seconds);
      await().until(() -> scheduler.pendingDelays().equals(List.of(expected)));
      assertThat(sup.status().running()).isFalse();
      assertThat(sup.status().lastExitCode()).isEqualTo(1);
      scheduler.advance(expected);
    }
    await().until(() -> scheduler.pendingDelays().equals(List.of(Duration.ofSeconds(8))));
    assertThat(sup.status().restarts()).isEqualTo(5);
    assertThat(sup.status().generation()).isEqualTo(6);
  }

  @Test
  void backoffStartsOverOnceTheProxyStayedUp() throws Exception {
    ProxySupervisor sup =
        supervisor(List.of("ignored"),
            scripted("exit 1", "exit 1", "exec sleep 1000", "exit 1"), true);
    sup.start();
    await().until(() -> scheduler.pendingDelays().equals(List.of(S1)));
    scheduler.advance(S1);
    await().until(() -> scheduler.pendingDelays().equals(List.of(Duration.ofSeconds(2))));
    scheduler.advance(Duration.ofSeconds(2));
    await().until(() -> sup.status().running());
    long pid = sup.status().pid();
    scheduler.advance(Duration.ofSeconds(61)); // stays up past resetAfter
    ProcessHandle.of(pid).orElseThrow().destroy();
    await().until(() -> scheduler.pendingDelays().equals(List.of(S1)));
    assertThat(sup.status().lastExitCode()).isEqualTo(143);
    scheduler.advance(S1);
    await().until(() -> scheduler.pendingDelays().equals(List.of(Duration.ofSeconds(2))));
  }

  @Test
  void proxyThatCannotBeStartedIsRetried() {
    ProxySupervisor sup = supervisor(List.of(dir.resolve("no-such-proxy").toString()), launcher(), true);
    sup.start();
    await().until(() -> scheduler.pendingDelays().equals(List.of(S1)));
    assertThat(sup.status().lastExitCode()).isEqualTo(127);
    assertThat(sup.status().running()).isFalse();
  }

  @Test
  void shutdownDrainsThroughAdminThenSignalsTheRealChildAfterDrainTime() throws Exception {
    Path up = dir.resolve("up");
    Path term = dir.resolve("term");
    try (FakeHttpServer admin = new FakeHttpServer().reply("/drain_listeners", 200, "OK\n")) {
      AdminClient client = new AdminClient("127.0.0.1", admin.port(), Duration.ofSeconds(5));
      ProxySupervisor sup =
          new ProxySupervisor(
              List.of("sh", "-c", "trap 'echo term > " + term + "; exit 0' TERM; echo up > " + up
                  + "; while :; do sleep 0.05; done"),
              launcher(), scheduler, BACKOFF, client::drainListeners, DRAIN, GRACE);
      sup.start();
      await().until(() -> Files.exists(up));

      CompletableFuture<Integer> done = sup.shutdown();
      await().until(() -> admin.saw("POST", "/drain_listeners?graceful"));
      assertThat(done).isNotDone();
      assertThat(Files.exists(term)).as("no SIGTERM before the drain time").isFalse();
      assertThat(sup.status().stopping()).isTrue();

      scheduler.advance(DRAIN);
      await().until(done::isDone);
      assertThat(done.get()).isZero();
      assertThat(Files.readString(term)).isEqualTo("term\n");
      assertThat(sup.status().running()).isFalse();
      assertThat(scheduler.pendingDelays()).as("no restart after a requested stop").hasSizeLessThanOrEqualTo(1);
      assertThat(sup.status().restarts()).isZero();
    }
  }

  @Test
  void childIgnoringSigtermIsKilledAfterTheGracePeriod() throws Exception {
    Path up = dir.resolve("up");
    ProxySupervisor sup =
        supervisor(List.of("sh", "-c", "trap '' TERM; echo up > " + up + "; while :; do sleep 0.05; done"),
            launcher(), true);
    sup.start();
    await().until(() -> Files.exists(up));
    CompletableFuture<Integer> done = sup.shutdown();
    scheduler.advance(DRAIN);
    assertThat(done).isNotDone();
    assertThat(ProcessHandle.of(sup.status().pid())).hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
    scheduler.advance(GRACE);
    await().until(done::isDone);
    assertThat(done.get()).isEqualTo(137);
  }

  @Test
  void unreachableAdminMeansSigtermAtOnce() throws Exception {
    Path up = dir.resolve("up");
    ProxySupervisor sup =
        supervisor(List.of("sh", "-c", "trap 'exit 0' TERM; echo up > " + up + "; while :; do sleep 0.05; done"),
            launcher(), false);
    sup.start();
    await().until(() -> Files.exists(up));
    CompletableFuture<Integer> done = sup.shutdown();
    await().until(done::isDone); // no time advanced
    assertThat(done.get()).isZero();
  }

  @Test
  void shutdownDuringBackoffCancelsTheRestart() throws Exception {
    ProxySupervisor sup = supervisor(List.of("sh", "-c", "exit 3"), launcher(), true);
    sup.start();
    await().until(() -> scheduler.pendingDelays().equals(List.of(S1)));
    assertThat(sup.shutdown().get()).isEqualTo(3);
    assertThat(scheduler.pendingDelays()).isEmpty();
    scheduler.advance(Duration.ofMinutes(5));
    assertThat(sup.status().restarts()).isZero();
    assertThat(started).hasSize(1);
  }

}
