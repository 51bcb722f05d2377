package io.minimesh.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.TestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The per-connection deadline task behind the stream timeouts, on an EmbeddedChannel whose clock
 * only the test moves: every deadline fires when it is due, and streams whose deadlines are later
 * than the armed one schedule nothing.
 */
@ExtendWith(LeakCheck.class)
class StreamTimersTest {
  EmbeddedChannel ch;
  StreamTimers timers;
  final List<String> fired = new ArrayList<>();

  /** A stream with one deadline that it clears when it expires. */
  final class Fake implements StreamTimers.Timed {
    final String name;
    long deadline;

    Fake(String name, long inMs) {
      this.name = name;
      this.deadline = timers.now() + TimeUnit.MILLISECONDS.toNanos(inMs);
    }

    @Override
    public long deadline() {
      return deadline;
    }

    @Override
    public void expire(long now) {
      if (deadline > now) return;
      fired.add(name + "@" + TimeUnit.NANOSECONDS.toMillis(now - start));
      deadline = StreamTimers.NONE;
    }
  }

  long start;

  @BeforeEach
  void setUp() {
    ch = new EmbeddedChannel();
    ch.freezeTime();
    timers = StreamTimers.of(ch);
    start = timers.now();
  }

  @AfterEach
  void tearDown() {
    ch.finishAndReleaseAll();
  }

  void advance(long ms) {
    ch.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
  }

  @Test
  void deadlinesFireWhenDueInOrder() {
    timers.update(new Fake("b", 200));
    timers.update(new Fake("a", 100));
    advance(99);
    assertThat(fired).isEmpty();
    advance(1);
    assertThat(fired).containsExactly("a@100");
    advance(99);
    assertThat(fired).containsExactly("a@100");
    advance(1);
    assertThat(fired).containsExactly("a@100", "b@200");
  }

  @Test
  void aDeadlinePushedLaterFiresAtItsNewTimeNotTheOld() {
    Fake idle = new Fake("idle", 300);
    timers.update(idle);
    advance(250);
    idle.deadline = timers.now() + TimeUnit.MILLISECONDS.toNanos(300); // activity: no update call needed
    advance(50);
    assertThat(fired).as("the old deadline passed, but the stream was active").isEmpty();
    advance(249);
    assertThat(fired).isEmpty();
    advance(1);
    assertThat(fired).containsExactly("idle@550");
  }

  @Test
  void sequentialStreamsWithLaterDeadlinesShareOneScheduledTask() {
    for (int i = 0; i < 1000; i++) {
      Fake s = new Fake("s" + i, 15_000); // the route timeout of each request on a keep-alive connection
      timers.update(s);
      advance(1);
      timers.remove(s); // the response came
    }
    assertThat(timers.armed).as("tasks scheduled for 1000 requests").isEqualTo(1);
    advance(15_000);
    assertThat(fired).isEmpty();
    assertThat(timers.armed).as("nothing left to wait for: not re-armed").isEqualTo(1);
  }

  @Test
  void anEarlierDeadlineThanTheArmedOneStillFiresOnTime() {
    timers.update(new Fake("route", 15_000));
    timers.update(new Fake("per-try", 250));
    advance(250);
    assertThat(fired).containsExactly("per-try@250");
    advance(14_750);
    assertThat(fired).containsExactly("per-try@250", "route@15000");
  }

  @Test
  void closingTheConnectionDropsItsDeadlines() {
    timers.update(new Fake("a", 100));
    ch.close();
    advance(100);
    assertThat(fired).isEmpty();
  }

  /** request_timeout through the connection manager: the whole request must arrive in time. */
  @Test
  void requestTimeoutAnswers408WhenTheBodyStopsArriving() throws Exception {
    String yaml =
        """
        static_resources:
          listeners:
          - name: l
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: t
                  request_timeout: 1s
                  http_filters:
                  - name: envoy.filters.http.fault
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        direct_response: {status: 200, body: {inline_string: "ok"}}
                        typed_per_filter_config:
                          envoy.filters.http.fault:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                            delay: {fixed_delay: 5s, percentage: {numerator: 100}}
        """;
    try (TestContext ctx = new TestContext(yaml)) {
      EmbeddedChannel h1 = new EmbeddedChannel();
      h1.freezeTime();
      HttpConnectionInit.installHttp1(h1.pipeline(), ctx, () -> ctx.hcm("l"));
      h1.writeInbound(Unpooled.copiedBuffer("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345",
          StandardCharsets.ISO_8859_1));
      h1.runPendingTasks();
      h1.advanceTimeBy(999, TimeUnit.MILLISECONDS);
      h1.runPendingTasks();
      assertThat(drain(h1)).isEmpty();
      h1.advanceTimeBy(1, TimeUnit.MILLISECONDS);
      h1.runPendingTasks();
      assertThat(drain(h1)).startsWith("HTTP/1.1 408").endsWith("request timeout");
      assertThat(ctx.stats.snapshot()).containsEntry("http.t.downstream_rq_timeout", 1L);
      h1.finishAndReleaseAll();
    }
  }

  static String drain(EmbeddedChannel c) {
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = c.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return sb.toString();
  }
}
