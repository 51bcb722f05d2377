package io.minimesh.pilot.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.minimesh.api.xds.TypeUrls;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.pilot.TestData;
import io.minimesh.pilot.config.DirectoryConfigSource;
import io.minimesh.pilot.monitoring.MonitoringServer;
import io.minimesh.pilot.monitoring.PilotMetrics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pilot as bin/pilot wires it, over loopback TCP: a directory edit reaches a connected proxy. */
class PilotEndToEndTest {
  @TempDir Path dir;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final PilotMetrics metrics = new PilotMetrics();
  private DiscoveryServer xds;
  private Pilot pilot;
  private Server grpc;
  private MonitoringServer mon;
  private ManagedChannel channel;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    for (String f : List.of("gateway.yaml", "httpbin.yaml")) {
      Files.copy(TestData.dir("webapp").resolve(f), dir.resolve(f));
    }
    Scheduler scheduler = Scheduler.of(timer);
    xds = new DiscoveryServer(Clock.systemUTC(), System::nanoTime, metrics, "pilot-e2e");
    pilot = new Pilot(new DirectoryConfigSource(dir, Duration.ofSeconds(60)), xds, metrics, scheduler,
        Duration.ofMillis(100), Duration.ofSeconds(10));
    pilot.start();
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(io.grpc.ServerInterceptors.intercept(xds, DiscoveryServer.peerInterceptor())).build().start();
    mon = new MonitoringServer(new InetSocketAddress("127.0.0.1", 0), metrics, xds, pilot::ready);
    mon.start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    grpc.shutdownNow();
    mon.close();
    xds.shutdown();
    pilot.close();
    timer.shutdownNow();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mon.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void editedVirtualServiceIsPushedAndBadOneIsRejectedWithoutDisturbingTraffic() throws Exception {
    assertThat(get("/ready").statusCode()).isEqualTo(200);
    AdsClient c = new AdsClient(channel, AdsProtocolTest.GATEWAY);
    c.subscribe(TypeUrls.ROUTE, List.of("http.80"));
    DiscoveryResponse first = c.next();
    c.ack(first, List.of("http.80"));
    await().until(() -> xds.syncz().get(0).getTypes(4).getStatus().equals("SYNCED"));

    Path gw = dir.resolve("gateway.yaml");
    String yaml = Files.readString(gw);
    Files.writeString(gw, yaml.replace("  - route:\n", "  - timeout: 1s\n    route:\n"));
    DiscoveryResponse updated = c.next(Duration.ofSeconds(5));
    RouteConfiguration rc = updated.getResources(0).unpack(RouteConfiguration.class);
    assertThat(rc.getVirtualHosts(0).getRoutes(0).getRoute().getTimeout().getSeconds()).isEqualTo(1);
    c.ack(updated, List.of("http.80"));

    // A bad edit: rejected, reported, and the proxy keeps (and is not sent anything instead of) the last good routes.
    Files.writeString(gw, yaml.replace("  - route:\n", "  - timeout: forever\n    route:\n"));
    await().atMost(Duration.ofSeconds(5)).until(() -> metrics.invalidConfig() == 1);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(get("/debug/analyze").body()).contains("Error [MM0203] (VirtualService default/webapp gateway.yaml:17) spec.http[0].timeout"));
    assertThat(get("/metrics").body()).contains("pilot_invalid_config 1").contains("pilot_xds 1");
    // The VirtualService is gone from the new config: routes for the host go away (Istio semantics), never a half-parsed route.
    DiscoveryResponse afterBad = c.next(Duration.ofSeconds(5));
    assertThat(afterBad.getResources(0).unpack(RouteConfiguration.class).getVirtualHostsCount()).isZero();

    String syncz = get("/debug/syncz").body();
    assertThat(syncz).contains("\"proxy_id\": \"gw-1.istio-system\"");
    var dump = get("/debug/config_dump?proxyID=gw-1.istio-system");
    assertThat(dump.statusCode()).isEqualTo(200);
    assertThat(dump.body()).contains("\"route_configs\"");
    assertThat(get("/debug/config_dump?proxyID=nobody").statusCode()).isEqualTo(404);
    assertThat(get("/debug/config_dump").statusCode()).isEqualTo(400);
    assertThat(get("/nothing").statusCode()).isEqualTo(404);
    assertThat(get("/debug/connections").body()).contains("gw-1.istio-system");
    c.close();
  }
}
