package io.minimesh.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes a benchmark compares: one upstream and the proxies in front of it, each configured
 * as an equivalent keep-alive reverse proxy with logging off and one worker.
 */
final class Targets implements AutoCloseable {
  static final String BODY_1K = "x".repeat(1024);

  /** A started process listening on a port. */
  record Proc(String name, int port, Process process) {
    long pid() {
      return process.pid();
    }
  }

  private final Path dir;
  private final String proxyCpus;
  private final List<Proc> started = new ArrayList<>();
  private String javaOpts;

  Targets(Path dir, String proxyCpus) {
    this.dir = dir;
    this.proxyCpus = proxyCpus;
  }

  /** Extra JVM flags for the Minimesh proxies started after this (bin/mesh-proxy's JAVA_OPTS). */
  void javaOpts(String opts) {
    this.javaOpts = opts;
  }

  /** nginx serving a fixed 1 KiB body: a fast, steady upstream. */
  Proc upstream(int port) throws IOException {
    Path conf = dir.resolve("upstream-nginx.conf");
    Files.writeString(conf, nginxMain(dir.resolve("up"), """
        server {
          listen 127.0.0.1:%d;
          listen 127.0.0.1:%d http2;
          keepalive_requests 1000000;
          location / { return 200 "%s"; }
        }
        """.formatted(port, port + 1, BODY_1K)));
    return start("upstream", port, List.of("nginx", "-c", conf.toString(), "-p", dir.toString()), false);
  }

  /** nginx as a reverse proxy; also HTTP/2 cleartext (prior knowledge) on h2Port, proxied as HTTP/1.1. */
  Proc nginxProxy(int port, int h2Port, int upstreamPort) throws IOException {
    Path conf = dir.resolve("proxy-nginx.conf");
    Files.writeString(conf, nginxMain(dir.resolve("px"), """
        upstream backend { server 127.0.0.1:%d; keepalive 128; keepalive_requests 1000000; }
        server {
          listen 127.0.0.1:%d;
          listen 127.0.0.1:%d http2;
          keepalive_requests 1000000;
          http2_max_requests 1000000;
          location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering on;
          }
        }
        """.formatted(upstreamPort, port, h2Port)));
    return start("nginx", port, List.of("nginx", "-c", conf.toString(), "-p", dir.toString()), true);
  }

  /** HAProxy as a reverse proxy; also HTTP/2 cleartext (prior knowledge) on h2Port, proxied as HTTP/1.1. */
  Proc haproxy(int port, int h2Port, int upstreamPort) throws IOException {
    Path conf = dir.resolve("haproxy.cfg");
    Files.writeString(conf, """
        global
          nbthread 1
          maxconn 4000
        defaults
          mode http
          timeout connect 5s
          timeout client 60s
          timeout server 60s
          option http-keep-alive
          http-reuse always
        frontend fe
          bind 127.0.0.1:%d
          bind 127.0.0.1:%d proto h2
          default_backend be
        backend be
          server up 127.0.0.1:%d maxconn 1000
        """.formatted(port, h2Port, upstreamPort));
    return start("haproxy", port, List.of("haproxy", "-f", conf.toString(), "-db"), true);
  }

  /**
   * The Minimesh proxy on one event loop, configured with Envoy's bootstrap YAML, started by
   * {@code bin/mesh-proxy} so that its JVM flags are the ones measured. HTTP/1.1 and HTTP/2 cleartext
   * share the port (codec AUTO).
   */
  Proc minimesh(String name, int port, int adminPort, int upstreamPort, Path meshProxy, int routes) throws IOException {
    StringBuilder extraRoutes = new StringBuilder();
    StringBuilder extraClusters = new StringBuilder();
    // Explicit indentation: these lines go inside the YAML below at fixed depths.
    for (int i = 1; i < routes; i++) {
      extraRoutes.append("              - match: { prefix: \"/svc-%d/\" }\n".formatted(i))
          .append("                route: { cluster: svc_%d }\n".formatted(i));
      extraClusters.append("  - name: svc_%d\n".formatted(i))
          .append("    type: STATIC\n")
          .append("    load_assignment:\n")
          .append("      cluster_name: svc_%d\n".formatted(i))
          .append(("      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: "
              + "{ address: 127.0.0.1, port_value: %d }}}}]}]\n").formatted(upstreamPort));
    }
    Path conf = dir.resolve(name + ".yaml");
    Files.writeString(conf, """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        static_resources:
          listeners:
          - name: bench
            address: { socket_address: { address: 127.0.0.1, port_value: %d } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: bench
                  codec_type: AUTO
                  route_config:
                    name: local
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
        %s              - match: { prefix: "/" }
                        route: { cluster: upstream }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
          - name: upstream
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: upstream
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d }}}}]}]
        %s
        """.formatted(adminPort, port, extraRoutes, upstreamPort, extraClusters));
    return start(name, port, List.of(meshProxy.toString(), "-c", conf.toString(), "--concurrency", "1", "-l", "warn"), true);
  }

  private String nginxMain(Path prefix, String server) throws IOException {
    Files.createDirectories(prefix);
    return """
        daemon off;
        master_process off;
        worker_processes 1;
        error_log %s/error.log error;
        pid %s/nginx.pid;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %s;
          proxy_temp_path %s;
          fastcgi_temp_path %s;
          uwsgi_temp_path %s;
          scgi_temp_path %s;
          %s
        }
        """.formatted(prefix, prefix, prefix, prefix, prefix, prefix, prefix, server);
  }

  Proc start(String name, int port, List<String> command, boolean pinned) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (pinned && proxyCpus != null && Files.isExecutable(Path.of("/usr/bin/taskset"))) {
      cmd.addAll(List.of("taskset", "-c", proxyCpus));
    }
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("MINIMESH_NO_BUILD", "1"); // bin/bench built everything first
    if (javaOpts != null) pb.environment().put("JAVA_OPTS", javaOpts);
    Process p = pb
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile())
        .start();
    Proc proc = new Proc(name, port, p);
    started.add(proc);
    try {
      awaitPort(proc, Duration.ofSeconds(60));
    } catch (IOException e) {
      String log = Files.readString(dir.resolve(name + ".log"));
      throw new IOException(e.getMessage() + "; its output:\n" + log.substring(Math.max(0, log.length() - 2000)), e);
    }
    return proc;
  }

  static void awaitPort(Proc proc, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!proc.process().isAlive()) {
        throw new IOException(proc.name() + " exited with " + proc.process().exitValue() + " before listening");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", proc.port()), 200);
        return;
      } catch (IOException notYet) {
        Thread.onSpinWait();
      }
      try {
        proc.process().waitFor(20, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    throw new IOException(proc.name() + " did not listen on " + proc.port() + " within " + timeout);
  }

  void stop(Proc p) {
    p.process().descendants().forEach(ProcessHandle::destroyForcibly);
    p.process().destroyForcibly();
    try {
      p.process().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    started.remove(p);
  }

  @Override
  public void close() {
    for (Proc p : List.copyOf(started)) stop(p);
  }
}
