package io.minimesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadyWaiterTest {
  private final AtomicLong now = new AtomicLong();
  private final AtomicInteger pauses = new AtomicInteger();

  private ReadyWaiter waiter(int port) {
    return new ReadyWaiter("127.0.0.1", port, Duration.ofMillis(500), Duration.ofSeconds(5), now::get,
        d -> {
          pauses.incrementAndGet();
          now.addAndGet(d.toNanos());
        });
  }

  /** Answers 503 with a reason for the first {@code failures} polls, then 200. */
  private static HttpServer statusServer(int failures) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    AtomicInteger calls = new AtomicInteger();
    s.createContext("/healthz/ready", ex -> {
      byte[] body = "config not received from XDS server (is pilot running?)\n".getBytes();
      if (calls.incrementAndGet() > failures) {
        ex.sendResponseHeaders(200, -1);
      } else {
        ex.sendResponseHeaders(503, body.length);
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    s.start();
    return s;
  }

  @Test
  void returnsOnceReady() throws Exception {
    HttpServer s = statusServer(2);
    try {
      ReadyWaiter.Outcome o = waiter(s.getAddress().getPort()).await(Duration.ofSeconds(60));
      assertThat(o.ready()).isTrue();
      assertThat(o.attempts()).isEqualTo(3);
    } finally {
      s.stop(0);
    }
  }

  @Test
  void timesOutWithTheLastReason() throws Exception {
    HttpServer s = statusServer(Integer.MAX_VALUE);
    try {
      ReadyWaiter.Outcome o = waiter(s.getAddress().getPort()).await(Duration.ofSeconds(2));
      assertThat(o.ready()).isFalse();
      assertThat(o.attempts()).isEqualTo(5); // t = 0, 0.5, 1, 1.5, 2 s
      assertThat(o.lastReason()).isEqualTo("config not received from XDS server (is pilot running?)");
    } finally {
      s.stop(0);
    }
  }

  @Test
  void agentNotListeningIsReported() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0)) {
      port = ss.getLocalPort();
    }
    ReadyWaiter.Outcome o = waiter(port).await(Duration.ofSeconds(1));
    assertThat(o.ready()).isFalse();
    assertThat(o.lastReason()).contains("connection refused by 127.0.0.1:" + port);
  }

  @Test
  void waitCommandExitCodes() throws Exception {
    HttpServer ready = statusServer(0);
    HttpServer never = statusServer(Integer.MAX_VALUE);
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      var cl = Cli.commandLine(new Env(Map.of()), new PrintWriter(out, true), new PrintWriter(err, true));
      assertThat(cl.execute("wait", "--status-port", "" + ready.getAddress().getPort())).isZero();
      assertThat(out.toString()).contains("proxy is ready");

      assertThat(cl.execute("wait", "--timeout", "0s", "--status-port", "" + never.getAddress().getPort()))
          .isEqualTo(1);
      assertThat(err.toString()).contains(
          "Error: timeout waiting for the proxy to become ready after 0s; last reason: "
              + "config not received from XDS server (is pilot running?)");
    } finally {
      ready.stop(0);
      never.stop(0);
    }
  }
}
