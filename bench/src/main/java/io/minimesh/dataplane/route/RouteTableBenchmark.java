package io.minimesh.dataplane.route;

import io.minimesh.api.xds.v1.HeaderMatcher;
import io.minimesh.api.xds.v1.RouteAction;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.VirtualHost;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route matching with 1, 100 and 10 000 routes in one virtual host (Istio puts every route of a
 * port's services into one RouteConfiguration): the first route, the middle one and the last one
 * (a linear scan's worst case; lastRouteLinearScan is that scan without the route index), and
 * virtual-host selection among as many domains.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteTableBenchmark {
  @Param({"1", "100", "10000"})
  public int routes;

  private RouteTable oneHost;
  private RouteTable manyHosts;
  private Req first;
  private Req middle;
  private Req last;
  private Req lastHost;

  record Req(String authority, String method, String pathAndQuery, HttpHeaders headers, String scheme)
      implements RouteTable.Request {}

  @Setup
  public void setup() throws Exception {
    Set<String> clusters = new HashSet<>();
    VirtualHost.Builder vh = VirtualHost.newBuilder().setName("all").addDomains("*");
    RouteConfiguration.Builder hosts = RouteConfiguration.newBuilder().setName("hosts");
    for (int i = 0; i < routes; i++) {
      String cluster = "outbound|9080||svc-" + i + ".default.svc.cluster.local";
      clusters.add(cluster);
      RouteMatch.Builder m = RouteMatch.newBuilder().setPrefix("/svc-" + i + "/");
      // Every tenth route also matches on a header, as a canary or user-based route does.
      if (i % 10 == 5) m.addHeaders(HeaderMatcher.newBuilder().setName("x-canary").setExactMatch("true"));
      vh.addRoutes(io.minimesh.api.xds.v1.Route.newBuilder().setName("r" + i).setMatch(m)
          .setRoute(RouteAction.newBuilder().setCluster(cluster)));
      hosts.addVirtualHosts(VirtualHost.newBuilder().setName("svc-" + i)
          .addDomains("svc-" + i + ".default.svc.cluster.local").addDomains("svc-" + i + ".default.svc.cluster.local:9080")
          .addDomains("svc-" + i).addDomains("svc-" + i + ":9080")
          .addRoutes(io.minimesh.api.xds.v1.Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
              .setRoute(RouteAction.newBuilder().setCluster(cluster))));
    }
    oneHost = RouteTable.compile(RouteConfiguration.newBuilder().setName("one").addVirtualHosts(vh).build(), "bench", clusters);
    manyHosts = RouteTable.compile(hosts.build(), "bench", clusters);
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("host", "reviews:9080").set("user-agent", "bench").set("accept", "*/*");
    first = new Req("reviews:9080", "GET", "/svc-0/items?id=1", h, "http");
    middle = new Req("reviews:9080", "GET", "/svc-" + routes / 2 + "/items?id=1", h, "http");
    last = new Req("reviews:9080", "GET", "/svc-" + (routes - 1) + "/items?id=1", h, "http");
    lastHost = new Req("svc-" + (routes - 1) + ":9080", "GET", "/items?id=1", h, "http");
  }

  @Benchmark
  public RouteTable.Match firstRoute() {
    return oneHost.match(first);
  }

  @Benchmark
  public RouteTable.Match middleRoute() {
    return oneHost.match(middle);
  }

  @Benchmark
  public RouteTable.Match lastRoute() {
    return oneHost.match(last);
  }

  /** The last route by the plain linear scan (first match wins), the index's baseline. */
  @Benchmark
  public RouteTable.Route lastRouteLinearScan() {
    return RouteTable.scan(oneHost.findVirtualHost(last.authority()), last);
  }

  @Benchmark
  public RouteTable.Match virtualHostByAuthority() {
    return manyHosts.match(lastHost);
  }
}
