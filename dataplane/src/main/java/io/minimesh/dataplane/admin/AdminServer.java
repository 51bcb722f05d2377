package io.minimesh.dataplane.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.Timestamp;
import io.minimesh.api.xds.JsonPrinter;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.ClusterDump;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.EndpointDump;
import io.minimesh.api.xds.v1.ListenerDump;
import io.minimesh.api.xds.v1.RouteConfigDump;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.SecretDump;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.runtime.ProxyRuntime;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.runtime.Transport;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import io.minimesh.dataplane.upstream.HostImpl;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The admin API (Envoy's endpoints plus /xds_status), HTTP/1.1 on its own thread. */
public final class AdminServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<String> POST_ONLY =
      Set.of("/logging", "/healthcheck/fail", "/healthcheck/ok", "/drain_listeners", "/quitquitquit");
  private static final String VERSION = "minimesh/0.1.0";
  private static final Map<String, String> HELP = new LinkedHashMap<>();

  static {
    HELP.put("/", "print this list");
    HELP.put("/ready", "print server state, 200 when LIVE");
    HELP.put("/server_info", "print server version/status information");
    HELP.put("/config_dump", "dump current configuration (JSON)");
    HELP.put("/certs", "print certificate chains (JSON)");
    HELP.put("/clusters", "upstream cluster status (?format=json)");
    HELP.put("/listeners", "print listener info (?format=json)");
    HELP.put("/stats", "print server stats (?filter=REGEX, ?format=json)");
    HELP.put("/stats/prometheus", "print server stats in prometheus format");
    HELP.put("/xds_status", "control plane connection and per-type xDS status (JSON)");
    HELP.put("/logging", "POST: change logging levels (?level=L or ?<logger>=L)");
    HELP.put("/healthcheck/fail", "POST: cause the server to fail health checks");
    HELP.put("/healthcheck/ok", "POST: cause the server to pass health checks");
    HELP.put("/drain_listeners", "POST: drain listeners");
    HELP.put("/quitquitquit", "POST: exit the server");
  }

  private final ProxyRuntime rt;
  private Channel channel;

  private AdminServer(ProxyRuntime rt) {
    this.rt = rt;
  }

  public static AdminServer start(ProxyRuntime rt, EventLoopGroup group, Transport transport, InetSocketAddress address)
      throws InvalidConfigException {
    AdminServer s = new AdminServer(rt);
    ChannelFuture f =
        new ServerBootstrap()
            .group(group)
            .channel(transport.serverChannel())
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), s.new Handler());
                  }
                })
            .bind(address)
            .awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new InvalidConfigException("admin.address: cannot bind " + address + ": " + f.cause().getMessage());
    }
    s.channel = f.channel();
    return s;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
  }

  private record Reply(int status, String contentType, String body) {}

  final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      Reply r;
      try {
        r = handle(req);
      } catch (RuntimeException e) {
        r = new Reply(500, "text/plain", "internal error: " + e + "\n");
      }
      FullHttpResponse resp =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(r.status()),
              Unpooled.copiedBuffer(r.body(), StandardCharsets.UTF_8));
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
      resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (!keepAlive) resp.headers().set(HttpHeaderNames.CONNECTION, "close");
      ChannelFuture f = ctx.writeAndFlush(resp);
      if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
      if (r.status() == 200 && new QueryStringDecoder(req.uri()).path().equals("/quitquitquit")) {
        f.addListener(x -> new Thread(rt::quit, "quit").start());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private Reply handle(FullHttpRequest req) {
    QueryStringDecoder q = new QueryStringDecoder(req.uri());
    String path = q.path();
    Map<String, List<String>> params = q.parameters();
    if (POST_ONLY.contains(path) && !req.method().equals(HttpMethod.POST)) {
      return new Reply(405, "text/plain", "This endpoint requires POST.\n");
    }
    boolean json = "json".equals(first(params, "format"));
    return switch (path) {
      case "/", "/help" -> help();
      case "/ready" -> ready();
      case "/server_info" -> text(200, "application/json", serverInfo());
      case "/config_dump" -> text(200, "application/json", JsonPrinter.print(configDump(rt.current())) + "\n");
      case "/clusters" -> json ? text(200, "application/json", clustersJson()) : text(200, "text/plain", clustersText());
      case "/listeners" -> json ? text(200, "application/json", listenersJson()) : text(200, "text/plain", listenersText());
      case "/stats" -> stats(params, json);
      case "/stats/prometheus" -> statsProm(params);
      case "/xds_status" -> text(200, "application/json", xdsStatus());
      case "/certs" -> text(200, "application/json",
          io.minimesh.dataplane.tls.CertsJson.render(rt.state(), java.time.Instant.ofEpochMilli(rt.options().time().currentTimeMillis())));
      case "/logging" -> logging(params);
      case "/healthcheck/fail" -> {
        rt.setHealthCheckFailed(true);
        yield text(200, "text/plain", "OK\n");
      }
      case "/healthcheck/ok" -> {
        rt.setHealthCheckFailed(false);
        yield text(200, "text/plain", "OK\n");
      }
      case "/drain_listeners" -> {
        rt.drainListeners();
        yield text(200, "text/plain", "OK\n");
      }
      case "/quitquitquit" -> text(200, "text/plain", "OK\n");
      default -> text(404, "text/plain", "invalid path. admin commands are:\n" + helpText());
    };
  }

  private static Reply text(int status, String ct, String body) {
    return new Reply(status, ct, body);
  }

  private static String first(Map<String, List<String>> p, String k) {
    List<String> v = p.get(k);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static String helpText() {
    StringBuilder sb = new StringBuilder();
    HELP.forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v).append('\n'));
    return sb.toString();
  }

  private Reply help() {
    return text(200, "text/plain", "admin commands are:\n" + helpText());
  }

  private String serverState() {
    if (rt.isDraining()) return "DRAINING";
    if (rt.initialized()) return "LIVE";
    return rt.configApplied() ? "INITIALIZING" : "PRE_INITIALIZING";
  }

  private Reply ready() {
    String s = serverState();
    return text(s.equals("LIVE") ? 200 : 503, "text/plain", s + "\n");
  }

  private long uptimeSeconds() {
    return Math.max(0, (rt.options().time().currentTimeMillis() - rt.startMillis()) / 1000);
  }

  private String serverInfo() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", VERSION);
    m.put("state", serverState());
    m.put("hot_restart_version", "disabled");
    Map<String, Object> opts = new LinkedHashMap<>();
    var o = rt.options();
    opts.put("concurrency", o.concurrency());
    opts.put("config_path", o.configPath());
    opts.put("log_level", o.logLevel());
    opts.put("drain_time", o.drainTimeSeconds() + "s");
    opts.put("service_node", o.serviceNode());
    opts.put("service_cluster", o.serviceCluster());
    opts.put("restart_epoch", 0);
    m.put("command_line_options", opts);
    m.put("uptime_current_epoch", uptimeSeconds() + "s");
    m.put("uptime_all_epochs", uptimeSeconds() + "s");
    var node = rt.current().bootstrap().getNode();
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("id", node.getId().isEmpty() ? o.serviceNode() : node.getId());
    n.put("cluster", node.getCluster().isEmpty() ? o.serviceCluster() : node.getCluster());
    m.put("node", n);
    m.put("health_check_failed", rt.healthCheckFailed());
    return toJson(m);
  }

  private static String toJson(Object o) {
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Timestamp ts(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  private static String dumpState(ConfigSnapshot.Resource<?> r) {
    return r.isStatic() ? "static" : "dynamic_active";
  }

  /** The ConfigDump of a snapshot; private keys are redacted. */
  public static ConfigDump configDump(ConfigSnapshot s) {
    ConfigDump.Builder b = ConfigDump.newBuilder();
    Bootstrap.Builder boot = s.bootstrap().toBuilder();
    var sr = boot.getStaticResourcesBuilder();
    for (int i = 0; i < sr.getSecretsCount(); i++) sr.setSecrets(i, redact(sr.getSecrets(i)));
    for (int i = 0; i < sr.getListenersCount(); i++) sr.setListeners(i, io.minimesh.dataplane.tls.Redact.listener(sr.getListeners(i)));
    for (int i = 0; i < sr.getClustersCount(); i++) sr.setClusters(i, io.minimesh.dataplane.tls.Redact.cluster(sr.getClusters(i)));
    b.setBootstrap(boot);
    s.listeners().values().forEach(r -> b.addListeners(ListenerDump.newBuilder()
        .setListener(io.minimesh.dataplane.tls.Redact.listener(r.value())).setVersionInfo(r.version()).setLastUpdated(ts(r.lastUpdated())).setState(dumpState(r))));
    s.routes().values().forEach(r -> b.addRouteConfigs(RouteConfigDump.newBuilder()
        .setRouteConfig(r.value()).setVersionInfo(r.version()).setLastUpdated(ts(r.lastUpdated())).setState(dumpState(r))));
    s.clusters().values().forEach(r -> b.addClusters(ClusterDump.newBuilder()
        .setCluster(io.minimesh.dataplane.tls.Redact.cluster(r.value())).setVersionInfo(r.version()).setLastUpdated(ts(r.lastUpdated())).setState(dumpState(r))));
    s.endpoints().values().forEach(r -> b.addEndpoints(EndpointDump.newBuilder()
        .setEndpointConfig(r.value()).setVersionInfo(r.version()).setLastUpdated(ts(r.lastUpdated())).setState(dumpState(r))));
    s.secrets().values().forEach(r -> b.addSecrets(SecretDump.newBuilder()
        .setSecret(redact(r.value())).setVersionInfo(r.version()).setLastUpdated(ts(r.lastUpdated())).setState(dumpState(r))));
    return b.build();
  }

  private static Secret redact(Secret s) {
    if (!s.hasTlsCertificate() || !s.getTlsCertificate().hasPrivateKey()) return s;
    Secret.Builder b = s.toBuilder();
    b.getTlsCertificateBuilder().setPrivateKey(DataSource.newBuilder().setInlineString("[redacted]"));
    return b.build();
  }

  private String clustersText() {
    StringBuilder sb = new StringBuilder();
    RuntimeState st = rt.state();
    for (ClusterRuntime c : st.clusters.values()) {
      String n = c.name;
      sb.append(n).append("::observability_name::").append(n).append('\n');
      sb.append(n).append("::default_priority::max_connections::").append(c.maxConnections).append('\n');
      sb.append(n).append("::default_priority::max_pending_requests::").append(c.maxPendingRequests).append('\n');
      sb.append(n).append("::default_priority::max_requests::").append(c.maxRequests).append('\n');
      sb.append(n).append("::default_priority::max_retries::").append(c.maxRetries).append('\n');
      sb.append(n).append("::added_via_api::").append(!st.snapshot.clusters().get(n).isStatic()).append('\n');
      for (HostImpl h : c.hostSet().hosts) {
        String p = n + "::" + h.addressString() + "::";
        var hs = h.stats();
        sb.append(p).append("cx_active::").append(hs.cxActive.get()).append('\n');
        sb.append(p).append("cx_connect_fail::").append(hs.cxConnectFail.sum()).append('\n');
        sb.append(p).append("cx_total::").append(hs.cxTotal.sum()).append('\n');
        sb.append(p).append("rq_active::").append(hs.rqActive.get()).append('\n');
        sb.append(p).append("rq_error::").append(hs.rqError.sum()).append('\n');
        sb.append(p).append("rq_success::").append(hs.rqSuccess.sum()).append('\n');
        sb.append(p).append("rq_timeout::").append(hs.rqTimeout.sum()).append('\n');
        sb.append(p).append("rq_total::").append(hs.rqTotal.sum()).append('\n');
        sb.append(p).append("hostname::").append(h.hostname() == null ? "" : h.hostname()).append('\n');
        sb.append(p).append("health_flags::").append(h.healthFlags()).append('\n');
        sb.append(p).append("weight::").append(h.weight()).append('\n');
        sb.append(p).append("region::").append(h.locality().getRegion()).append('\n');
        sb.append(p).append("zone::").append(h.locality().getZone()).append('\n');
        sb.append(p).append("sub_zone::").append(h.locality().getSubZone()).append('\n');
        sb.append(p).append("canary::false\n");
        sb.append(p).append("priority::").append(h.priority()).append('\n');
        sb.append(p).append("success_rate::-1\n");
        sb.append(p).append("local_origin_success_rate::-1\n");
      }
    }
    return sb.toString();
  }

  private String clustersJson() {
    List<Object> statuses = new ArrayList<>();
    RuntimeState st = rt.state();
    for (ClusterRuntime c : st.clusters.values()) {
      Map<String, Object> cs = new LinkedHashMap<>();
      cs.put("name", c.name);
      cs.put("added_via_api", !st.snapshot.clusters().get(c.name).isStatic());
      Map<String, Object> th = new LinkedHashMap<>();
      th.put("max_connections", c.maxConnections);
      th.put("max_pending_requests", c.maxPendingRequests);
      th.put("max_requests", c.maxRequests);
      th.put("max_retries", c.maxRetries);
      cs.put("circuit_breakers", Map.of("thresholds", List.of(th)));
      List<Object> hosts = new ArrayList<>();
      for (HostImpl h : c.hostSet().hosts) {
        Map<String, Object> hm = new LinkedHashMap<>();
        hm.put("address", Map.of("socket_address", Map.of(
            "address", h.address().getAddress() == null ? h.address().getHostString() : h.address().getAddress().getHostAddress(),
            "port_value", h.address().getPort())));
        var hs = h.stats();
        List<Object> stats = new ArrayList<>();
        stats.add(stat("cx_connect_fail", hs.cxConnectFail.sum(), null));
        stats.add(stat("cx_total", hs.cxTotal.sum(), null));
        stats.add(stat("rq_error", hs.rqError.sum(), null));
        stats.add(stat("rq_success", hs.rqSuccess.sum(), null));
        stats.add(stat("rq_timeout", hs.rqTimeout.sum(), null));
        stats.add(stat("rq_total", hs.rqTotal.sum(), null));
        stats.add(stat("cx_active", hs.cxActive.get(), "GAUGE"));
        stats.add(stat("rq_active", hs.rqActive.get(), "GAUGE"));
        hm.put("stats", stats);
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("eds_health_status", h.healthStatus().equals("UNKNOWN") ? "HEALTHY" : h.healthStatus());
        if (!h.edsHealthy()) health.put("failed_eds_health", true);
        if (hs.outlierEjected) health.put("failed_outlier_check", true);
        if (hs.activeHcFailed) health.put("failed_active_health_check", true);
        hm.put("health_status", health);
        hm.put("weight", h.weight());
        hm.put("hostname", h.hostname() == null ? "" : h.hostname());
        hm.put("locality", Map.of("region", h.locality().getRegion(), "zone", h.locality().getZone(),
            "sub_zone", h.locality().getSubZone()));
        hm.put("priority", h.priority());
        hosts.add(hm);
      }
      cs.put("host_statuses", hosts);
      statuses.add(cs);
    }
    return toJson(Map.of("cluster_statuses", statuses));
  }

  private static Map<String, Object> stat(String name, long value, String type) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (type != null) m.put("type", type);
    m.put("name", name);
    m.put("value", Long.toString(value));
    return m;
  }

  private String listenersText() {
    StringBuilder sb = new StringBuilder();
    rt.listenerAddresses().forEach((n, a) -> sb.append(n).append("::").append(a.getAddress().getHostAddress())
        .append(':').append(a.getPort()).append('\n'));
    return sb.toString();
  }

  private String listenersJson() {
    List<Object> l = new ArrayList<>();
    rt.listenerAddresses().forEach((n, a) -> l.add(Map.of("name", n, "local_address", Map.of("socket_address",
        Map.of("address", a.getAddress().getHostAddress(), "port_value", a.getPort())))));
    return toJson(Map.of("listener_statuses", l));
  }

  private void refreshServerStats() {
    rt.stats().gauge("server.uptime").set(uptimeSeconds());
    rt.stats().gauge("server.live").set(rt.isDraining() ? 0 : 1);
    rt.stats().gauge("server.state").set(rt.isDraining() ? 1 : rt.initialized() ? 0 : 2);
  }

  private Reply stats(Map<String, List<String>> params, boolean json) {
    refreshServerStats();
    Pattern filter;
    try {
      String f = first(params, "filter");
      filter = f == null || f.isEmpty() ? null : Pattern.compile(f);
    } catch (PatternSyntaxException e) {
      return text(400, "text/plain", "Invalid regex: " + e.getDescription() + "\n");
    }
    if (json) {
      List<Object> l = new ArrayList<>();
      for (var e : rt.stats().snapshot().entrySet()) {
        if (filter != null && !filter.matcher(e.getKey()).find()) continue;
        l.add(Map.of("name", e.getKey(), "value", e.getValue()));
      }
      return text(200, "application/json", toJson(Map.of("stats", l)));
    }
    return text(200, "text/plain", StatsRenderer.text(rt.stats(), filter));
  }

  private Reply statsProm(Map<String, List<String>> params) {
    refreshServerStats();
    Pattern filter;
    try {
      String f = first(params, "filter");
      filter = f == null || f.isEmpty() ? null : Pattern.compile(f);
    } catch (PatternSyntaxException e) {
      return text(400, "text/plain", "Invalid regex: " + e.getDescription() + "\n");
    }
    return text(200, "text/plain; version=0.0.4", StatsRenderer.prometheus(rt.stats(), filter));
  }

  private String xdsStatus() {
    XdsStatusSource.Status s = rt.xdsStatusSource().status();
    Map<String, Object> m = new LinkedHashMap<>();
    if (s == null) {
      m.put("control_plane", null);
      m.put("types", List.of());
      m.put("state", "not configured");
      return toJson(m);
    }
    m.put("control_plane", Map.of("address", s.address(), "connected", s.connected()));
    List<Object> types = new ArrayList<>();
    for (XdsStatusSource.TypeStatus t : s.types()) {
      Map<String, Object> tm = new LinkedHashMap<>();
      tm.put("type", t.type());
      tm.put("type_url", t.typeUrl());
      tm.put("version", t.version());
      tm.put("update_success", t.updateSuccess());
      tm.put("update_rejected", t.updateRejected());
      tm.put("last_error", t.lastError() == null ? "" : t.lastError());
      tm.put("last_update", t.lastUpdate() == null ? "" : t.lastUpdate().toString());
      types.add(tm);
    }
    m.put("types", types);
    return toJson(m);
  }

  private Reply logging(Map<String, List<String>> params) {
    // Validate everything first, so a bad parameter changes nothing.
    for (Map.Entry<String, List<String>> e : params.entrySet()) {
      String v = e.getValue().isEmpty() ? "" : e.getValue().get(0);
      try {
        io.minimesh.dataplane.logging.LogLevels.parse(v);
      } catch (IllegalArgumentException bad) {
        return text(400, "text/plain", bad.getMessage() + "\n");
      }
    }
    try {
      for (Map.Entry<String, List<String>> e : params.entrySet()) {
        io.minimesh.dataplane.logging.LogLevels.set(e.getKey(), e.getValue().get(0));
      }
    } catch (IllegalArgumentException unknown) {
      return text(404, "text/plain", unknown.getMessage() + "\n");
    }
    StringBuilder sb = new StringBuilder("active loggers:\n");
    io.minimesh.dataplane.logging.LogLevels.levels()
        .forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v).append('\n'));
    return text(200, "text/plain", sb.toString());
  }

}
