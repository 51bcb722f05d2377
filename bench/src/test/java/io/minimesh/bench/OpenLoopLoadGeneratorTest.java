package io.minimesh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenLoopLoadGeneratorTest {
  HttpServer server;
  final AtomicInteger served = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ok", ex -> {
      served.incrementAndGet();
      byte[] body = "hello".getBytes();
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.createContext("/fail", ex -> {
      ex.sendResponseHeaders(500, -1);
      ex.close();
    });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private OpenLoopLoadGenerator.Result run(String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    return new OpenLoopLoadGenerator(new OpenLoopLoadGenerator.Config(
        uri, null, 200, 4, Duration.ofMillis(100), Duration.ofMillis(500))).run();
  }

  @Test
  void everyMeasuredRequestIsAnsweredAndRecorded() throws Exception {
    var r = run("/ok");
    // Constant rate: 200/s for 0.5 s measured is 100 requests, whatever the server's speed.
    assertThat(r.sent()).isEqualTo(100);
    assertThat(r.completed()).isEqualTo(r.sent());
    assertThat(r.errors()).isZero();
    assertThat(r.latencyUs().getTotalCount()).isEqualTo(r.completed());
    // Warm-up requests reach the server but are not measured.
    assertThat(served.get()).isEqualTo(120);
  }

  @Test
  void non2xxResponsesAreCountedApart() throws Exception {
    var r = run("/fail");
    assertThat(r.completed()).isEqualTo(100);
    assertThat(r.non2xx()).isEqualTo(100);
  }

  @Test
  void anUnreachableTargetFailsFastInsteadOfHanging() {
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ok");
    server.stop(0);
    var gen = new OpenLoopLoadGenerator(new OpenLoopLoadGenerator.Config(
        uri, null, 100, 2, Duration.ZERO, Duration.ofMillis(300)));
    org.assertj.core.api.Assertions.assertThatThrownBy(gen::run).hasMessageContaining("Connection refused");
  }
}
