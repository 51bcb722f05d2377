package io.minimesh.meshctl.internal.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.minimesh.meshctl.MeshctlException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorTest {
  @TempDir Path tmp;

  private List<String> sh(String script) {
    return List.of("sh", "-c", script);
  }

  @Test
  void stopsWholeProcessTreesLeavingNoOrphans() throws Exception {
    List<Long> pids;
    try (Supervisor s = new Supervisor(tmp.resolve("logs"), Duration.ofSeconds(5))) {
      // Each child forks grandchildren, records their pids, then waits.
      s.start("a", sh("sleep 300 & echo $! > a.pids; sleep 300 & echo $! >> a.pids; echo $$ >> a.pids; echo up; wait"), Map.of(), tmp);
      Child b = s.start("b", sh("sleep 300 & echo $! > b.pids; echo $$ >> b.pids; echo up; wait"), Map.of(), tmp);
      b.awaitLine(Pattern.compile("^up$"), Duration.ofSeconds(20), "up");
      s.children().get(0).awaitLine(Pattern.compile("^up$"), Duration.ofSeconds(20), "up");
      pids = Processes.readPids(tmp, "a.pids", "b.pids");
      assertThat(pids).hasSize(5).allMatch(p -> !Processes.gone(p));
    }
    Processes.awaitGone(pids);
  }

  @Test
  void childrenThatIgnoreSigtermAreKilledAfterTheGracePeriod() throws Exception {
    Supervisor s = new Supervisor(tmp.resolve("logs"), Duration.ofMillis(300));
    Child c = s.start("stubborn", sh("trap '' TERM; sleep 300 & echo $! > s.pids; echo $$ >> s.pids; echo up; wait"), Map.of(), tmp);
    c.awaitLine(Pattern.compile("up"), Duration.ofSeconds(20), "up");
    List<Long> pids = Processes.readPids(tmp, "s.pids");
    s.close();
    assertThat(c.isAlive()).isFalse();
    Processes.awaitGone(pids);
  }

  @Test
  void readinessLineIsFoundEvenIfPrintedBeforeWeAsk() throws Exception {
    try (Supervisor s = new Supervisor(tmp.resolve("logs"), Duration.ofSeconds(5))) {
      Child c = s.start("app", sh("echo booting; echo 'READY http=4711 grpc=1 tcp=2'; exec sleep 300"), Map.of(), tmp);
      await().atMost(Duration.ofSeconds(20)).until(() -> c.tail().size() == 2);
      Matcher m = c.awaitLine(Pattern.compile("READY http=(\\d+)"), Duration.ofSeconds(20), "ready");
      assertThat(m.group(1)).isEqualTo("4711");
      assertThat(Files.readAllLines(c.log())).containsExactly("booting", "READY http=4711 grpc=1 tcp=2");
    }
  }

  @Test
  void childDyingBeforeReadyIsReportedWithItsOutput() {
    try (Supervisor s = new Supervisor(tmp.resolve("logs"), Duration.ofSeconds(5))) {
      Child c = s.start("app", sh("echo 'Error: port 80 in use' >&2; exit 3"), Map.of(), tmp);
      assertThatThrownBy(() -> c.awaitLine(Pattern.compile("READY"), Duration.ofSeconds(20), "ready"))
          .isInstanceOf(MeshctlException.class)
          .hasMessageContaining("app exited (exit code 3) before it was ready")
          .hasMessageContaining("| Error: port 80 in use");
      assertThat(s.firstExit()).succeedsWithin(Duration.ofSeconds(10)).isSameAs(c);
    }
  }

  @Test
  void readinessDeadline() {
    try (Supervisor s = new Supervisor(tmp.resolve("logs"), Duration.ofSeconds(5))) {
      Child c = s.start("slow", sh("exec sleep 300"), Map.of(), tmp);
      assertThatThrownBy(() -> c.awaitLine(Pattern.compile("READY"), Duration.ofMillis(200), "ready"))
          .isInstanceOf(MeshctlException.class)
          .hasMessageContaining("slow was not ready within 200ms");
    }
  }

  @Test
  void httpReadinessFailsFastWhenTheProcessDies() {
    try (Supervisor s = new Supervisor(tmp.resolve("logs"), Duration.ofSeconds(5))) {
      Child c = s.start("proxy", sh("echo 'bad config: listeners[0].address'; exit 1"), Map.of(), tmp);
      assertThatThrownBy(
              () -> c.awaitHttpOk(java.net.URI.create("http://127.0.0.1:1/ready"), Duration.ofSeconds(60), "ready"))
          .isInstanceOf(MeshctlException.class)
          .hasMessageContaining("proxy exited (exit code 1)")
          .hasMessageContaining("bad config: listeners[0].address");
    }
  }

  @Test
  void closeIsIdempotentAndRefusesNewChildren() {
    Supervisor s = new Supervisor(tmp.resolve("logs"), Duration.ofSeconds(5));
    s.close();
    s.close();
    assertThatThrownBy(() -> s.start("late", sh("true"), Map.of(), tmp))
        .isInstanceOf(MeshctlException.class)
        .hasMessageContaining("not starting late");
  }

  @Test
  void missingExecutableIsAClearError() {
    try (Supervisor s = new Supervisor(tmp.resolve("logs"), Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> s.start("ghost", List.of("/nonexistent/bin/thing"), Map.of(), tmp))
          .isInstanceOf(MeshctlException.class)
          .hasMessageStartingWith("cannot start ghost (/nonexistent/bin/thing)");
    }
  }
}
