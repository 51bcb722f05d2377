package io.minimesh.dataplane.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.minimesh.api.xds.v1.AccessLog;
import io.minimesh.api.xds.v1.Admin;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.CertificateValidationContext;
import io.minimesh.api.xds.v1.CircuitBreakers;
import io.minimesh.api.xds.v1.BindConfig;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.OriginalDstLbConfig;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.CommonLbConfig;
import io.minimesh.api.xds.v1.CommonTlsContext;
import io.minimesh.api.xds.v1.DownstreamTlsContext;
import io.minimesh.api.xds.v1.DynamicResources;
import io.minimesh.api.xds.v1.Endpoint;
import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.HeaderValueOption;
import io.minimesh.api.xds.v1.HealthCheck;
import io.minimesh.api.xds.v1.Http2ProtocolOptions;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.HttpFilter;
import io.minimesh.api.xds.v1.LbEndpoint;
import io.minimesh.api.xds.v1.LeastRequestLbConfig;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.LocalityLbEndpoints;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.OutlierDetection;
import io.minimesh.api.xds.v1.Percent;
import io.minimesh.api.xds.v1.Rds;
import io.minimesh.api.xds.v1.RegexMatcher;
import io.minimesh.api.xds.v1.RequestMirrorPolicy;
import io.minimesh.api.xds.v1.RetryPolicy;
import io.minimesh.api.xds.v1.RingHashLbConfig;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteAction;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.RouteMatch;
import io.minimesh.api.xds.v1.SdsSecretConfig;
import io.minimesh.api.xds.v1.SocketAddress;
import io.minimesh.api.xds.v1.StringMatcher;
import io.minimesh.api.xds.v1.TcpProxy;
import io.minimesh.api.xds.v1.TlsCertificate;
import io.minimesh.api.xds.v1.TlsParameters;
import io.minimesh.api.xds.v1.TransportSocket;
import io.minimesh.api.xds.v1.UpstreamTlsContext;
import io.minimesh.api.xds.v1.VirtualHost;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Envoy v3 bootstrap → Minimesh {@link Bootstrap}: the generic {@link ProtoMapper} does the
 * fields both APIs spell the same; this table rewrites the Envoy-only shapes ({@code typed_config}
 * with {@code @type}, access loggers, transport sockets, protocol options, config sources), names
 * the fields accepted but ignored, and turns Envoy v2 shapes into one clear error.
 * docs/envoy-compat.md lists the same, field by field; keep the two in step.
 *
 * <p>One instance per load: it remembers the ADS cluster until the static clusters are known.
 */
final class EnvoyDialect implements ProtoMapper.Dialect {
  static final String HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
  static final String TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
  static final String ROUTER = "envoy.extensions.filters.http.router.v3.Router";
  static final String FILE_LOG = "envoy.extensions.access_loggers.file.v3.FileAccessLog";
  static final String STDOUT_LOG = "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
  static final String STDERR_LOG = "envoy.extensions.access_loggers.stream.v3.StderrAccessLog";
  static final String DOWNSTREAM_TLS = "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
  static final String UPSTREAM_TLS = "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
  static final String RAW_BUFFER = "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";
  static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  static final String TLS_INSPECTOR = "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector";
  static final String HTTP_INSPECTOR = "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector";
  static final String ORIGINAL_DST = "envoy.extensions.filters.listener.original_dst.v3.OriginalDst";

  private static final Map<String, String> NETWORK_FILTER_NAMES = Map.of(
      "envoy.filters.network.http_connection_manager", HCM,
      "envoy.http_connection_manager", HCM,
      "envoy.filters.network.tcp_proxy", TCP_PROXY,
      "envoy.tcp_proxy", TCP_PROXY);

  private static final Set<String> TYPED_STRUCT = Set.of("udpa.type.v1.TypedStruct", "xds.type.v3.TypedStruct");

  @FunctionalInterface
  interface Handler {
    void handle(ProtoMapper m, Message.Builder b, JsonNode parent, JsonNode value, ConfigPath path);
  }

  @FunctionalInterface
  interface Finisher {
    void finish(Message.Builder b, JsonNode node, ConfigPath path);
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnvoyDialect.class);

  private final Map<String, Map<String, Handler>> handlers = new HashMap<>();
  private final Map<String, Finisher> finishers = new HashMap<>();
  // Ignored fields already reported by this load (one info line per field name, not per occurrence).
  private final Set<String> reported = new java.util.HashSet<>();
  private final Handler ignoreAndReport = (m, b, parent, value, path) -> {
    String field = b.getDescriptorForType().getName() + "." + path.last();
    if (reported.add(field)) LOG.info("{}: accepted but has no effect in Minimesh (ignored)", path);
  };
  private static final Handler IGNORE = (m, b, parent, value, path) -> {};

  // The ADS cluster named in dynamic_resources, resolved once the static clusters are mapped.
  private String adsCluster;
  private ConfigPath adsClusterPath;

  EnvoyDialect() {
    bootstrap();
    listeners();
    httpConnectionManager();
    routes();
    clusters();
    tls();
  }

  @Override
  public boolean handle(ProtoMapper m, Message.Builder b, JsonNode parent, String key, JsonNode value, ConfigPath path) {
    Map<String, Handler> forType = handlers.get(b.getDescriptorForType().getFullName());
    Handler h = forType == null ? null : forType.get(key);
    if (h == null) return false;
    h.handle(m, b, parent, value, path);
    return true;
  }

  // The mapper of this load, for finishers that map sub-objects themselves.
  private ProtoMapper mapper;

  @Override
  public void finish(ProtoMapper m, Message.Builder b, JsonNode node, ConfigPath path) {
    mapper = m;
    Finisher f = finishers.get(b.getDescriptorForType().getFullName());
    if (f != null) f.finish(b, node, path);
  }

  @Override
  public boolean singleValueAsList() {
    return true;
  }

  @Override
  public String unknownFieldHint() {
    return " (not in Minimesh's Envoy v3 subset, see docs/envoy-compat.md)";
  }

  private void on(Descriptor d, String key, Handler h) {
    handlers.computeIfAbsent(d.getFullName(), k -> new HashMap<>()).put(key, h);
  }

  /** Envoy fields accepted and ignored (documented in docs/envoy-compat.md). */
  private void ignore(Descriptor d, String... keys) {
    for (String k : keys) on(d, k, ignoreAndReport);
  }

  /** Envoy v2 fields: one clear error instead of "unknown field". */
  private void v2(Descriptor d, String key, String hint) {
    on(d, key, (m, b, parent, value, path) -> {
      throw v2Error(path, hint);
    });
  }

  private void unsupported(Descriptor d, String key, String why) {
    on(d, key, (m, b, parent, value, path) -> {
      throw path.error("not supported: " + why);
    });
  }

  private void finisher(Descriptor d, Finisher f) {
    finishers.put(d.getFullName(), f);
  }

  static ConfigPath.InvalidConfig v2Error(ConfigPath path, String hint) {
    return path.error("Envoy v2 configuration is not supported (" + hint + "); use the v3 API (see docs/envoy-compat.md)");
  }

  // ---------------------------------------------------------------- bootstrap, node, admin

  private void bootstrap() {
    ignore(Bootstrap.getDescriptor(), "layered_runtime", "stats_config", "stats_sinks", "stats_flush_interval",
        "stats_flush_on_admin", "stats_server_version_override", "watchdog", "watchdogs", "overload_manager",
        "enable_dispatcher_stats", "application_log_config", "tracing", "deferred_stat_options", "flags_path",
        "perf_tracing_file_path", "node_context_params", "fatal_actions", "inline_headers", "default_regex_engine",
        "memory_allocator_manager", "grpc_async_client_manager_config", "use_tcp_for_dns_lookups",
        "dns_resolution_config", "typed_dns_resolver_config");
    on(Bootstrap.getDescriptor(), "cluster_manager", (m, b, parent, value, path) -> {
      if (value.has("clusters")) throw v2Error(path.field("clusters"), "found cluster_manager.clusters (Envoy v1)");
    });
    v2(Bootstrap.getDescriptor(), "listeners", "found a top-level \"listeners\" (Envoy v1)");
    finisher(Bootstrap.getDescriptor(), (b, node, path) -> {
      Bootstrap.Builder bb = (Bootstrap.Builder) b;
      bb.getStaticResourcesBuilder().addAllListeners(fileListeners).addAllClusters(fileClusters);
      resolveAdsCluster(bb);
    });

    on(Node.getDescriptor(), "metadata", (m, b, parent, value, path) -> {
      Node.Builder n = (Node.Builder) b;
      if (!value.isObject()) throw path.error("expected a mapping, got " + ProtoMapper.describe(value));
      // Istio's bootstrap carries NAMESPACE and LABELS in node metadata; lift them into the node.
      value.fields().forEachRemaining(e -> {
        JsonNode v = e.getValue();
        if (e.getKey().equals("NAMESPACE") && v.isTextual()) {
          n.setNamespace(v.textValue());
        } else if (e.getKey().equals("LABELS") && v.isObject()) {
          v.fields().forEachRemaining(l -> n.putLabels(l.getKey(), l.getValue().asText()));
        } else {
          n.putMetadata(e.getKey(), v.isValueNode() ? v.asText() : v.toString());
        }
      });
    });
    ignore(Node.getDescriptor(), "user_agent_name", "user_agent_version", "user_agent_build_version",
        "extensions", "client_features", "listening_addresses");

    on(Admin.getDescriptor(), "access_log", (m, b, parent, value, path) -> {
      // Admin logs to one file here: take the first file/stdout/stderr logger's path.
      if (!value.isArray()) throw path.error("expected a list, got " + ProtoMapper.describe(value));
      if (value.size() > 0) {
        AccessLog log = (AccessLog) m.message(AccessLog.newBuilder(), value.get(0), path.index(0));
        ((Admin.Builder) b).setAccessLogPath(log.getPath());
      }
    });
    ignore(Admin.getDescriptor(), "profile_path", "ignore_global_conn_limit", "socket_options");

    on(SocketAddress.getDescriptor(), "protocol", (m, b, parent, value, path) -> {
      if (!"TCP".equals(value.asText())) throw path.error("only TCP is supported, got " + ProtoMapper.describe(value));
    });
    ignore(SocketAddress.getDescriptor(), "ipv4_compat");

    on(DynamicResources.getDescriptor(), "ads_config", (m, b, parent, value, path) -> adsConfig(
        (DynamicResources.Builder) b, value, path));
    for (String key : List.of("lds_config", "cds_config")) {
      on(DynamicResources.getDescriptor(), key, (m, b, parent, value, path) -> {
        if (object(value, path).has("path") || value.has("path_config_source")) {
          fileResources(m, key.equals("lds_config"), value, path);
          return;
        }
        Duration t = configSource(value, path);
        if (t != null) ((DynamicResources.Builder) b).setInitialFetchTimeout(t);
      });
    }
  }

  // Listeners and clusters read from file-based LDS/CDS sources, added to the static ones.
  private final List<Listener> fileListeners = new java.util.ArrayList<>();
  private final List<Cluster> fileClusters = new java.util.ArrayList<>();

  /**
   * A file-based LDS/CDS source ({@code path_config_source.path}, or the older {@code path}): a
   * DiscoveryResponse document whose {@code resources} are Listeners / Clusters. They are read once,
   * when the bootstrap is loaded, and served like static resources (the file is not watched).
   */
  private void fileResources(ProtoMapper m, boolean listeners, JsonNode value, ConfigPath path) {
    String file = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      switch (e.getKey()) {
        case "path" -> file = ProtoMapper.string(e.getValue(), p);
        case "path_config_source" -> {
          JsonNode src = object(e.getValue(), p);
          allowKeys(src, p, "path", "watched_directory");
          if (!src.path("path").isTextual()) throw p.field("path").error("a file name is required");
          file = src.get("path").textValue();
        }
        case "resource_api_version" -> apiVersion(e.getValue(), p);
        case "initial_fetch_timeout" -> ProtoMapper.duration(e.getValue(), p);
        default -> throw p.error("unknown field (a file config source has path_config_source, resource_api_version)");
      }
    }
    ConfigPath where = path.field(value.has("path") ? "path" : "path_config_source");
    String text;
    try {
      text = java.nio.file.Files.readString(java.nio.file.Path.of(file));
    } catch (java.io.IOException | RuntimeException e) {
      throw where.error("cannot read \"" + file + "\": "
          + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
    }
    JsonNode doc;
    try {
      doc = BootstrapLoader.YAML.readTree(text);
    } catch (java.io.IOException e) {
      throw where.error("\"" + file + "\" is not valid YAML/JSON: " + e.getMessage());
    }
    ConfigPath root = ConfigPath.file(file);
    if (doc == null || !doc.isObject()) throw root.error("expected a mapping with resources");
    allowKeys(doc, root, "resources", "version_info", "type_url", "nonce");
    JsonNode res = doc.path("resources");
    if (res.isMissingNode() || res.isNull()) return;
    list(res, root.field("resources"));
    String want = listeners ? "envoy.config.listener.v3.Listener" : "envoy.config.cluster.v3.Cluster";
    for (int i = 0; i < res.size(); i++) {
      ConfigPath p = root.field("resources").index(i);
      JsonNode r = object(res.get(i), p);
      String type = typeUrl(r, p);
      if (type != null && !type.equals(want)) {
        throw p.field("@type").error("expected " + want + ", got \"" + r.get("@type").asText() + "\"");
      }
      if (listeners) {
        fileListeners.add(m.mergeObject(Listener.newBuilder(), r, p, Set.of("@type")).build());
      } else {
        fileClusters.add(m.mergeObject(Cluster.newBuilder(), r, p, Set.of("@type")).build());
      }
    }
  }

  private void adsConfig(DynamicResources.Builder b, JsonNode value, ConfigPath path) {
    object(value, path);
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "api_type" -> {
          String t = v.asText();
          if (t.contains("DELTA")) throw p.error("delta xDS is not supported; use GRPC (state of the world)");
          if (!t.equals("GRPC") && !t.equals("AGGREGATED_GRPC")) {
            throw p.error("unknown value " + ProtoMapper.describe(v) + "; expected one of GRPC, AGGREGATED_GRPC");
          }
        }
        case "transport_api_version" -> apiVersion(v, p);
        case "grpc_services" -> {
          if (!v.isArray() || v.size() == 0) throw p.error("expected a list with one gRPC service");
          grpcService(b, v.get(0), p.index(0));
        }
        case "set_node_on_first_message_only", "rate_limit_settings", "refresh_delay", "request_timeout" -> {}
        case "cluster_names" -> throw p.error("not supported: use grpc_services with envoy_grpc.cluster_name");
        default -> throw p.error("unknown field" + ProtoMapper.suggestion(e.getKey(),
            List.of("api_type", "transport_api_version", "grpc_services", "set_node_on_first_message_only"))
            + unknownFieldHint());
      }
    }
    if (b.getAdsAddress().isEmpty() && adsCluster == null) throw path.error("grpc_services is required");
  }

  private void grpcService(DynamicResources.Builder b, JsonNode svc, ConfigPath path) {
    object(svc, path);
    for (Iterator<Map.Entry<String, JsonNode>> it = svc.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      switch (e.getKey()) {
        case "envoy_grpc" -> {
          JsonNode name = object(e.getValue(), p).get("cluster_name");
          if (name == null || !name.isTextual()) throw p.field("cluster_name").error("a cluster name is required");
          adsCluster = name.textValue();
          adsClusterPath = p.field("cluster_name");
        }
        case "google_grpc" -> {
          JsonNode target = object(e.getValue(), p).get("target_uri");
          if (target == null || !target.isTextual()) throw p.field("target_uri").error("a host:port is required");
          b.setAdsAddress(target.textValue().replaceFirst("^dns:(///)?", ""));
        }
        case "timeout", "initial_metadata" -> {}
        default -> throw p.error("unknown field" + unknownFieldHint());
      }
    }
  }

  private void resolveAdsCluster(Bootstrap.Builder b) {
    if (adsCluster == null) return;
    for (Cluster c : b.getStaticResources().getClustersList()) {
      if (!c.getName().equals(adsCluster)) continue;
      for (LocalityLbEndpoints l : c.getLoadAssignment().getEndpointsList()) {
        for (LbEndpoint e : l.getLbEndpointsList()) {
          SocketAddress a = e.getEndpoint().getAddress().getSocketAddress();
          if (!a.getAddress().isEmpty()) {
            b.getDynamicResourcesBuilder().setAdsAddress(a.getAddress() + ":" + a.getPortValue());
            return;
          }
        }
      }
      throw adsClusterPath.error("static cluster \"" + adsCluster + "\" has no endpoint address");
    }
    throw adsClusterPath.error("no static cluster named \"" + adsCluster + "\"");
  }

  /**
   * An Envoy ConfigSource: only ADS is supported (everything travels on the one ADS stream).
   * Returns its initial_fetch_timeout, or null.
   */
  static Duration configSource(JsonNode value, ConfigPath path) {
    object(value, path);
    Duration timeout = null;
    boolean ads = false;
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      switch (e.getKey()) {
        case "ads" -> ads = true;
        case "resource_api_version" -> apiVersion(e.getValue(), p);
        case "initial_fetch_timeout" -> timeout = ProtoMapper.duration(e.getValue(), p);
        case "path", "path_config_source", "api_config_source", "self" ->
            throw p.error("not supported: only ADS config sources (ads: {}) are supported");
        default -> throw p.error("unknown field (a config source has ads, resource_api_version, initial_fetch_timeout)");
      }
    }
    if (!ads) throw path.error("ads: {} is required (only ADS config sources are supported)");
    return timeout;
  }

  private static void apiVersion(JsonNode v, ConfigPath p) {
    String s = v.asText();
    if (s.equals("V2")) throw v2Error(p, "transport/resource API version V2");
    if (!s.equals("V3") && !s.equals("AUTO")) throw p.error("unknown value " + ProtoMapper.describe(v) + "; expected V3");
  }

  // ---------------------------------------------------------------- listeners and network filters

  private void listeners() {
    on(Listener.getDescriptor(), "listener_filters", (m, b, parent, value, path) -> {
      Listener.Builder l = (Listener.Builder) b;
      list(value, path);
      for (int i = 0; i < value.size(); i++) {
        ConfigPath p = path.index(i);
        JsonNode f = object(value.get(i), p);
        if (f.has("config")) throw v2Error(p.field("config"), "found \"config\", use typed_config");
        String kind = typeOrName(f, p, Map.of(
            "envoy.filters.listener.tls_inspector", TLS_INSPECTOR, "envoy.listener.tls_inspector", TLS_INSPECTOR,
            "envoy.filters.listener.http_inspector", HTTP_INSPECTOR, "envoy.listener.http_inspector", HTTP_INSPECTOR,
            "envoy.filters.listener.original_dst", ORIGINAL_DST, "envoy.listener.original_dst", ORIGINAL_DST));
        allowKeys(f, p, "name", "typed_config");
        if (kind == null) {
          throw p.error("unsupported listener filter \"" + f.path("name").asText()
              + "\" (supported: envoy.filters.listener.tls_inspector, http_inspector, original_dst)");
        }
        switch (kind) {
          case TLS_INSPECTOR -> l.addListenerFilters("tls_inspector");
          case HTTP_INSPECTOR -> l.addListenerFilters("http_inspector");
          // Restores the original destination for filter chain matching; only use_original_dst
          // also hands the connection to another listener (Envoy).
          default -> l.addListenerFilters("original_dst");
        }
      }
    });
    ignore(Listener.getDescriptor(), "stat_prefix", "listener_filters_timeout", "continue_on_listener_filters_timeout",
        "reuse_port", "enable_reuse_port", "connection_balance_config", "socket_options", "tcp_fast_open_queue_length",
        "tcp_backlog_size", "freebind", "transparent", "enable_mptcp", "ignore_global_conn_limit");
    // Listener access logs record connections that never reached a filter (observability only).
    ignore(Listener.getDescriptor(), "access_log");
    finisher(Listener.getDescriptor(), (b, node, path) -> {
      Listener.Builder l = (Listener.Builder) b;
      if (l.getName().isEmpty()) {
        // Envoy invents a UUID for an unnamed listener; a name from the address is stabler.
        SocketAddress a = l.getAddress().getSocketAddress();
        l.setName("listener_" + a.getAddress() + "_" + a.getPortValue());
      }
    });

    v2(FilterChain.getDescriptor(), "tls_context", "found \"tls_context\", use transport_socket");
    v2(FilterChain.getDescriptor(), "use_proxy_proto", "found \"use_proxy_proto\"");
    ignore(FilterChain.getDescriptor(), "transport_socket_connect_timeout", "metadata");

    on(NetworkFilter.getDescriptor(), "typed_config", (m, b, parent, value, path) -> {
      NetworkFilter.Builder f = (NetworkFilter.Builder) b;
      String kind = typeOrName(parent, path.parent(), NETWORK_FILTER_NAMES);
      if (HCM.equals(kind)) {
        f.setHttpConnectionManager(m.mergeObject(HttpConnectionManager.newBuilder(), value, path, Set.of("@type")));
      } else if (TCP_PROXY.equals(kind)) {
        f.setTcpProxy(m.mergeObject(TcpProxy.newBuilder(), value, path, Set.of("@type")));
      }
      // Anything else: the finisher reports the filter as unsupported at the filter's path.
    });
    v2(NetworkFilter.getDescriptor(), "config", "found \"config\", use typed_config");
    finisher(NetworkFilter.getDescriptor(), (b, node, path) -> {
      NetworkFilter.Builder f = (NetworkFilter.Builder) b;
      if (f.getConfigCase() != NetworkFilter.ConfigCase.CONFIG_NOT_SET) return;
      String kind = typeOrName(node, path, NETWORK_FILTER_NAMES);
      if (kind != null && !node.has("typed_config")) throw path.error("typed_config is required");
      String name = node.path("name").asText("");
      String type = node.path("typed_config").path("@type").asText("");
      throw path.error("unsupported filter \"" + (name.isEmpty() ? type : name)
          + "\" (supported: envoy.filters.network.http_connection_manager, envoy.filters.network.tcp_proxy)");
    });
    ignore(TcpProxy.getDescriptor(), "access_log_options");
  }

  // ---------------------------------------------------------------- HTTP connection manager

  private void httpConnectionManager() {
    Descriptor hcm = HttpConnectionManager.getDescriptor();
    on(hcm, "rds", (m, b, parent, value, path) -> {
      Rds rds = m.mergeObject(Rds.newBuilder(), value, path, Set.of("config_source")).build();
      if (value.has("config_source")) configSource(value.get("config_source"), path.field("config_source"));
      m.checkOneof(b, hcm.findFieldByName("rds"), path);
      ((HttpConnectionManager.Builder) b).setRds(rds);
    });
    on(hcm, "common_http_protocol_options", (m, b, parent, value, path) -> {
      HttpConnectionManager.Builder h = (HttpConnectionManager.Builder) b;
      commonHttpProtocolOptions(value, path, h::setIdleTimeout, null);
    });
    on(hcm, "forward_client_cert_details", (m, b, parent, value, path) -> {
      String v = value.asText();
      if (!List.of("SANITIZE", "FORWARD_ONLY", "APPEND_FORWARD", "SANITIZE_SET", "ALWAYS_FORWARD_ONLY").contains(v)) {
        throw path.error("unknown value " + ProtoMapper.describe(value)
            + "; expected one of SANITIZE, FORWARD_ONLY, APPEND_FORWARD, SANITIZE_SET, ALWAYS_FORWARD_ONLY");
      }
      ((HttpConnectionManager.Builder) b).setForwardClientCertDetails(!v.equals("SANITIZE"));
    });
    ignore(hcm, "http_protocol_options", "http2_protocol_options", "tracing", "merge_slashes",
        "path_with_escaped_slashes_action", "strip_matching_host_port", "strip_any_host_port",
        "preserve_external_request_id", "always_set_request_id_in_response", "add_user_agent",
        "server_header_transformation", "delayed_close_timeout", "internal_address_config",
        "set_current_client_cert_details", "stream_error_on_invalid_http_message", "via",
        "scheme_header_transformation", "represent_ipv4_remote_address_as_ipv4_mapped_ipv6",
        "local_reply_config", "access_log_options", "request_id_extension", "access_log_flush_interval",
        "flush_access_log_on_new_request");

    on(hcm, "http_filters", (m, b, parent, value, path) -> httpFilters(m, (HttpConnectionManager.Builder) b, value, path));
    on(hcm, "access_log", (m, b, parent, value, path) ->
        accessLogs(m, value, path, ((HttpConnectionManager.Builder) b)::addAccessLog));
    on(TcpProxy.getDescriptor(), "access_log", (m, b, parent, value, path) ->
        accessLogs(m, value, path, ((TcpProxy.Builder) b)::addAccessLog));

    Descriptor filter = HttpFilter.getDescriptor();
    on(filter, "typed_config", (m, b, parent, value, path) -> {
      Struct config = filterConfig(value, path);
      if (config.getFieldsCount() > 0) ((HttpFilter.Builder) b).setConfig(config);
    });
    v2(filter, "config", "found \"config\", use typed_config");
    on(filter, "is_optional", IGNORE); // decided in httpFilters
    unsupported(filter, "config_discovery", "extension config discovery (ECDS)");

    Descriptor log = AccessLog.getDescriptor();
    on(log, "name", IGNORE); // the logger kind comes from typed_config's @type, else from the name (finisher)
    on(log, "typed_config", (m, b, parent, value, path) -> accessLog((AccessLog.Builder) b, parent, value, path));
    v2(log, "config", "found \"config\", use typed_config");
    // Filters only thin out what is logged: every request is logged instead (reported once).
    ignore(log, "filter");
    finisher(log, (b, node, path) -> {
      AccessLog.Builder a = (AccessLog.Builder) b;
      if (!a.getPath().isEmpty()) return;
      String name = node.path("name").asText("");
      if (node.has("typed_config")) {
        throw path.field("typed_config").error("path is required");
      } else if (name.equals("envoy.access_loggers.stdout")) {
        a.setPath("/dev/stdout");
      } else if (name.equals("envoy.access_loggers.stderr")) {
        a.setPath("/dev/stderr");
      } else if (node.has("path")) {
        throw path.field("path").error("must not be empty");
      } else {
        throw path.error("unsupported access logger \"" + name
            + "\" (supported: envoy.access_loggers.file, envoy.access_loggers.stdout, envoy.access_loggers.stderr)");
      }
    });
  }

  /**
   * The HCM's http_filters. A filter is identified by its typed_config's {@code @type} when Minimesh
   * knows the type (the name is free-form in Envoy, e.g. "lua_filter_with_custom_name_0"), else by
   * its name. The CORS filter only enables the routes' CORS policies, which Minimesh always applies,
   * so it is dropped. A filter Minimesh does not implement is an error naming it, unless it is
   * {@code is_optional: true}: then it is skipped, as Envoy skips an optional filter it lacks.
   */
  private void httpFilters(ProtoMapper m, HttpConnectionManager.Builder h, JsonNode value, ConfigPath path) {
    JsonNode list = value.isObject()
        ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(value) : list(value, path);
    for (int i = 0; i < list.size(); i++) {
      ConfigPath p = path.index(i);
      JsonNode f = object(list.get(i), p);
      String name = f.path("name").asText("");
      String type = f.path("typed_config").isObject() ? typeUrl(f.get("typed_config"), p.field("typed_config")) : null;
      String kind = type != null && HTTP_FILTER_TYPES.containsKey(type) ? HTTP_FILTER_TYPES.get(type)
          : LEGACY_HTTP_FILTER_NAMES.getOrDefault(name, name);
      if (kind.equals(CORS_FILTER)) continue;
      if (!BUILT_IN_HTTP_FILTERS.contains(kind) && !spiFilterNames().contains(kind)) {
        if (f.has("is_optional") && ProtoMapper.bool(f.get("is_optional"), p.field("is_optional"))) {
          LOG.info("{}: skipping optional HTTP filter \"{}\"{} (not implemented by Minimesh)", p, name,
              type == null ? "" : " (" + type + ")");
          continue;
        }
        if (name.isEmpty() && type == null) throw p.field("name").error("required");
        // Other names may be served by filter SPI jars added at run time: the compiler decides.
        if (type == null || !type.startsWith("envoy.")) {
          h.addHttpFilters((HttpFilter.Builder) m.mergeObject(HttpFilter.newBuilder(), f, p));
          continue;
        }
        throw p.error("unsupported HTTP filter \"" + (name.isEmpty() ? type : name) + "\""
            + (type == null || name.isEmpty() ? "" : " (" + type + ")")
            + " (supported: envoy.filters.http.router, envoy.filters.http.fault, envoy.filters.http.local_ratelimit,"
            + " envoy.filters.http.cors, envoy.filters.http.health_check; mark it is_optional: true to run without it)");
      }
      HttpFilter.Builder hf = (HttpFilter.Builder) m.mergeObject(HttpFilter.newBuilder(), f, p);
      h.addHttpFilters(hf.setName(kind));
    }
  }

  static final String CORS_FILTER = "envoy.filters.http.cors";
  private static final Map<String, String> HTTP_FILTER_TYPES = Map.of(
      ROUTER, "envoy.filters.http.router",
      "envoy.extensions.filters.http.fault.v3.HTTPFault", "envoy.filters.http.fault",
      "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", "envoy.filters.http.local_ratelimit",
      "envoy.extensions.filters.http.cors.v3.Cors", CORS_FILTER);
  // Pre-v3 well-known names, still written in many configs.
  private static final Map<String, String> LEGACY_HTTP_FILTER_NAMES = Map.of(
      "envoy.router", "envoy.filters.http.router",
      "envoy.fault", "envoy.filters.http.fault",
      "envoy.cors", CORS_FILTER,
      "envoy.health_check", "envoy.filters.http.health_check");
  private static final Set<String> BUILT_IN_HTTP_FILTERS = Set.of(
      "envoy.filters.http.router", "envoy.filters.http.fault", "envoy.filters.http.local_ratelimit");
  private static volatile Set<String> spiFilters;

  /** Names served by the proxy's HTTP filter SPI (what the compiler will accept). */
  private static Set<String> spiFilterNames() {
    Set<String> s = spiFilters;
    if (s == null) {
      Set<String> names = new java.util.HashSet<>();
      for (var f : java.util.ServiceLoader.load(io.minimesh.dataplane.filter.HttpFilterFactory.class,
          EnvoyDialect.class.getClassLoader())) {
        names.add(f.name());
      }
      spiFilters = s = Set.copyOf(names);
    }
    return s;
  }

  /**
   * An access_log list. Loggers that ship entries elsewhere (gRPC, OpenTelemetry, fluentd, Wasm…) are
   * observability only: they are skipped with an info line instead of failing the whole config.
   */
  private void accessLogs(ProtoMapper m, JsonNode value, ConfigPath path, java.util.function.Consumer<AccessLog> add) {
    JsonNode list = value.isObject()
        ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(value) : list(value, path);
    for (int i = 0; i < list.size(); i++) {
      ConfigPath p = path.index(i);
      JsonNode log = object(list.get(i), p);
      JsonNode tc = log.path("typed_config");
      String type = tc.isObject() ? typeUrl(tc, p.field("typed_config")) : null;
      if (type != null && type.startsWith("envoy.extensions.access_loggers.")
          && !List.of(FILE_LOG, STDOUT_LOG, STDERR_LOG).contains(type)) {
        LOG.info("{}: access logger \"{}\" ({}) is not implemented by Minimesh; skipped", p,
            log.path("name").asText(""), type);
        continue;
      }
      add.accept((AccessLog) m.message(AccessLog.newBuilder(), log, p));
    }
  }

  private void accessLog(AccessLog.Builder a, JsonNode parent, JsonNode value, ConfigPath path) {
    String type = typeOrName(parent, path.parent(), Map.of(
        "envoy.access_loggers.file", FILE_LOG, "envoy.file_access_log", FILE_LOG,
        "envoy.access_loggers.stdout", STDOUT_LOG, "envoy.access_loggers.stderr", STDERR_LOG));
    object(value, path);
    if (type == null) {
      throw path.parent().error("unsupported access logger \"" + parent.path("name").asText(value.path("@type").asText())
          + "\" (supported: envoy.access_loggers.file, envoy.access_loggers.stdout, envoy.access_loggers.stderr)");
    }
    switch (type) {
      case STDOUT_LOG -> a.setPath("/dev/stdout");
      case STDERR_LOG -> a.setPath("/dev/stderr");
      default -> {}
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "@type" -> {}
        case "path" -> {
          if (!type.equals(FILE_LOG)) throw p.error("unknown field" + unknownFieldHint());
          a.setPath(ProtoMapper.string(v, p));
        }
        case "format" -> a.setFormat(ProtoMapper.string(v, p)); // deprecated FileAccessLog.format
        case "json_format" -> jsonFormat(a, v, p);
        case "log_format" -> logFormat(a, v, p);
        default -> throw p.error("unknown field" + unknownFieldHint());
      }
    }
  }

  /** Envoy's SubstitutionFormatString: text_format, text_format_source.inline_string or json_format. */
  private void logFormat(AccessLog.Builder a, JsonNode v, ConfigPath path) {
    object(v, path);
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      switch (e.getKey()) {
        case "text_format" -> a.setFormat(ProtoMapper.string(e.getValue(), p));
        case "text_format_source" -> {
          JsonNode src = object(e.getValue(), p);
          for (Iterator<String> k = src.fieldNames(); k.hasNext(); ) {
            String key = k.next();
            if (!key.equals("inline_string")) {
              throw p.field(key).error("not supported: only inline_string is supported for access log formats");
            }
          }
          a.setFormat(ProtoMapper.string(src.get("inline_string"), p.field("inline_string")));
        }
        case "json_format" -> jsonFormat(a, e.getValue(), p);
        case "omit_empty_values", "content_type" -> {}
        case "formatters" -> throw p.error("not supported: custom formatters");
        default -> throw p.error("unknown field" + unknownFieldHint());
      }
    }
  }

  private static void jsonFormat(AccessLog.Builder a, JsonNode v, ConfigPath path) {
    object(v, path);
    v.fields().forEachRemaining(e -> {
      if (!e.getValue().isValueNode()) {
        throw path.field(e.getKey()).error("not supported: nested json_format values (use flat keys)");
      }
      a.putJsonFormat(e.getKey(), e.getValue().asText());
    });
  }

  /** Envoy's CommonHttpProtocolOptions: idle_timeout and max_requests_per_connection are used. */
  private static void commonHttpProtocolOptions(JsonNode v, ConfigPath path,
      java.util.function.Consumer<Duration> idle, java.util.function.IntConsumer maxRequests) {
    object(v, path);
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      switch (e.getKey()) {
        case "idle_timeout" -> idle.accept(ProtoMapper.duration(e.getValue(), p));
        case "max_requests_per_connection" -> {
          if (maxRequests == null) throw p.error("unknown field" + " (only on clusters)");
          maxRequests.accept((int) ProtoMapper.integer(e.getValue(), p, 0, 0xFFFF_FFFFL));
        }
        case "max_headers_count", "headers_with_underscores_action", "max_stream_duration",
            "max_connection_duration", "max_response_headers_kb" -> {}
        default -> throw p.error("unknown field" + " (not in Minimesh's Envoy v3 subset, see docs/envoy-compat.md)");
      }
    }
  }

  // ---------------------------------------------------------------- routes

  private void routes() {
    unsupported(RouteConfiguration.getDescriptor(), "vhds", "virtual host discovery");
    ignore(RouteConfiguration.getDescriptor(), "most_specific_header_mutations_wins", "max_direct_response_body_size_bytes");
    on(VirtualHost.getDescriptor(), "typed_per_filter_config", (m, b, parent, value, path) ->
        perFilterConfig(value, path, ((VirtualHost.Builder) b)::putTypedPerFilterConfig));
    v2(VirtualHost.getDescriptor(), "per_filter_config", "found \"per_filter_config\"");
    finisher(VirtualHost.getDescriptor(), (b, node, path) -> corsPolicies(mapper, (VirtualHost.Builder) b, node, path));
    Descriptor cors = io.minimesh.api.xds.v1.CorsPolicy.getDescriptor();
    on(cors, "filter_enabled", IGNORE); // read by the finisher
    ignore(cors, "shadow_enabled", "allow_private_network_access", "forward_not_matching_preflights");
    finisher(cors, (b, node, path) -> {
      JsonNode enabled = node.path("filter_enabled");
      if (enabled.isObject() && enabled.has("default_value")
          && fractionPercent(enabled.get("default_value"), path.field("filter_enabled").field("default_value")) == 0) {
        b.clear(); // CORS off here: no origin is allowed
      }
    });
    ignore(VirtualHost.getDescriptor(), "include_request_attempt_count", "include_attempt_count_in_response",
        "virtual_clusters", "per_request_buffer_limit_bytes", "request_body_buffer_limit");
    on(Route.getDescriptor(), "typed_per_filter_config", (m, b, parent, value, path) ->
        perFilterConfig(value, path, ((Route.Builder) b)::putTypedPerFilterConfig));
    v2(Route.getDescriptor(), "per_filter_config", "found \"per_filter_config\"");
    ignore(Route.getDescriptor(), "decorator", "tracing", "stat_prefix", "per_request_buffer_limit_bytes",
        "request_body_buffer_limit");

    on(RouteMatch.getDescriptor(), "grpc", (m, b, parent, value, path) -> {
      object(value, path);
      ((RouteMatch.Builder) b).setGrpc(true);
    });
    ignore(RegexMatcher.getDescriptor(), "google_re2");

    on(RouteAction.getDescriptor(), "upgrade_configs", (m, b, parent, value, path) -> {
      list(value, path);
      for (int i = 0; i < value.size(); i++) {
        ConfigPath p = path.index(i);
        JsonNode u = object(value.get(i), p);
        allowKeys(u, p, "upgrade_type", "enabled");
        if (!u.path("upgrade_type").isTextual()) throw p.field("upgrade_type").error("a string is required");
        if (!u.has("enabled") || ProtoMapper.bool(u.get("enabled"), p.field("enabled"))) {
          ((RouteAction.Builder) b).addUpgradeTypes(u.get("upgrade_type").textValue());
        }
      }
    });
    v2(RouteAction.getDescriptor(), "request_mirror_policy", "found \"request_mirror_policy\", use request_mirror_policies");
    ignore(RouteAction.getDescriptor(), "cluster_not_found_response_code", "priority", "include_vh_rate_limits");

    on(RequestMirrorPolicy.getDescriptor(), "runtime_fraction", (m, b, parent, value, path) -> {
      object(value, path);
      JsonNode def = value.get("default_value");
      allowKeys(value, path, "default_value", "runtime_key");
      ((RequestMirrorPolicy.Builder) b).setRuntimeFraction(
          Percent.newBuilder().setValue(def == null ? 0 : fractionPercent(def, path.field("default_value"))));
    });
    ignore(RequestMirrorPolicy.getDescriptor(), "trace_sampled", "disable_shadow_host_suffix_append");

    on(RetryPolicy.getDescriptor(), "retry_host_predicate", (m, b, parent, value, path) -> {
      list(value, path);
      for (int i = 0; i < value.size(); i++) {
        String name = object(value.get(i), path.index(i)).path("name").asText();
        if (!name.equals("envoy.retry_host_predicates.previous_hosts")) {
          throw path.index(i).error("unsupported retry host predicate \"" + name
              + "\" (supported: envoy.retry_host_predicates.previous_hosts)");
        }
        ((RetryPolicy.Builder) b).setRetryOtherHosts(true);
      }
    });
    ignore(RetryPolicy.getDescriptor(), "host_selection_retry_max_attempts");

    on(HeaderValueOption.getDescriptor(), "append_action", (m, b, parent, value, path) -> {
      HeaderValueOption.Builder h = (HeaderValueOption.Builder) b;
      switch (value.asText()) {
        case "APPEND_IF_EXISTS_OR_ADD" -> h.setAppend(true);
        case "OVERWRITE_IF_EXISTS_OR_ADD" -> h.setAppend(false);
        case "ADD_IF_ABSENT", "OVERWRITE_IF_EXISTS" -> throw path.error("not supported: " + value.asText()
            + " (supported: APPEND_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS_OR_ADD)");
        default -> throw path.error("unknown value " + ProtoMapper.describe(value)
            + "; expected one of APPEND_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS_OR_ADD");
      }
    });
    ignore(HeaderValueOption.getDescriptor(), "keep_empty_value");
    finisher(HeaderValueOption.getDescriptor(), (b, node, path) -> {
      // Envoy v3 appends unless told otherwise (append defaults to true).
      if (!node.has("append") && !node.has("append_action")) ((HeaderValueOption.Builder) b).setAppend(true);
    });
  }

  /**
   * Envoy's typed_per_filter_config: filter name → its config as a Struct (without "@type"). The CORS
   * filter's CorsPolicy is mapped onto the virtual host's / route's cors instead ({@link #corsPolicies}).
   */
  private static void perFilterConfig(JsonNode value, ConfigPath path, java.util.function.BiConsumer<String, Struct> put) {
    object(value, path);
    value.fields().forEachRemaining(e -> {
      if (!e.getKey().equals(CORS_FILTER)) put.accept(e.getKey(), filterConfig(e.getValue(), path.field(e.getKey())));
    });
  }

  /**
   * Envoy v3's CORS policies in typed_per_filter_config["envoy.filters.http.cors"] (CorsPolicy) of a
   * virtual host and its routes. As in Envoy's CORS filter, each field comes from the most specific
   * level that sets it (route over virtual host, typed config over the legacy {@code cors} field);
   * {@code filter_enabled} at 0 % turns CORS off (an empty policy allows no origin).
   */
  private void corsPolicies(ProtoMapper m, VirtualHost.Builder vh, JsonNode node, ConfigPath path) {
    JsonNode vhTyped = node.path("typed_per_filter_config").path(CORS_FILTER);
    ObjectNode vhCors = node.path("cors").isObject() ? ((ObjectNode) node.get("cors")).deepCopy() : null;
    if (vhTyped.isObject()) {
      vhCors = vhCors == null ? ((ObjectNode) vhTyped).deepCopy() : vhCors.setAll((ObjectNode) vhTyped.deepCopy());
      vh.setCors(corsPolicy(m, vhCors, path.field("typed_per_filter_config").field(CORS_FILTER)));
    }
    JsonNode routes = node.path("routes");
    for (int i = 0; i < routes.size() && i < vh.getRoutesCount(); i++) {
      JsonNode r = routes.get(i);
      JsonNode typed = r.path("typed_per_filter_config").path(CORS_FILTER);
      JsonNode legacy = r.path("route").path("cors");
      if (!typed.isObject() && !(legacy.isObject() && vhCors != null)) continue;
      if (!vh.getRoutesBuilder(i).hasRoute()) continue;
      ObjectNode merged = vhCors == null ? ((ObjectNode) node).objectNode() : vhCors.deepCopy();
      if (legacy.isObject()) merged.setAll((ObjectNode) legacy.deepCopy());
      if (typed.isObject()) merged.setAll((ObjectNode) typed.deepCopy());
      ConfigPath rp = path.field("routes").index(i);
      vh.getRoutesBuilder(i).getRouteBuilder().setCors(corsPolicy(m, merged,
          typed.isObject() ? rp.field("typed_per_filter_config").field(CORS_FILTER) : rp.field("route").field("cors")));
    }
  }

  private static io.minimesh.api.xds.v1.CorsPolicy corsPolicy(ProtoMapper m, ObjectNode json, ConfigPath path) {
    if (json.has("@type")) typeUrl(json, path);
    return m.mergeObject(io.minimesh.api.xds.v1.CorsPolicy.newBuilder(), json, path, Set.of("@type")).build();
  }

  /** A typed_config as a Struct: "@type" dropped, a TypedStruct unwrapped to its value. */
  static Struct filterConfig(JsonNode value, ConfigPath path) {
    object(value, path);
    String type = typeUrl(value, path);
    if ("envoy.config.route.v3.FilterConfig".equals(type)) {
      // Envoy's per-route wrapper {config, is_optional, disabled}: the filter's own config is inside.
      if (value.path("disabled").asBoolean(false) || !value.has("config")) {
        return ProtoMapper.toValue(((ObjectNode) value).deepCopy().without(List.of("@type", "is_optional"))).getStructValue();
      }
      return filterConfig(value.get("config"), path.field("config"));
    }
    JsonNode config = type != null && TYPED_STRUCT.contains(type) ? value.path("value") : value;
    ObjectNode copy = config.isObject() ? ((ObjectNode) config).deepCopy() : ((ObjectNode) value).objectNode();
    copy.remove("@type");
    return ProtoMapper.toValue(copy).getStructValue();
  }

  /** Envoy's FractionalPercent {numerator, denominator: HUNDRED|TEN_THOUSAND|MILLION} as a percent. */
  private static double fractionPercent(JsonNode v, ConfigPath path) {
    object(v, path);
    double numerator = 0;
    double denominator = 100;
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      switch (e.getKey()) {
        case "numerator" -> numerator = ProtoMapper.integer(e.getValue(), p, 0, 0xFFFF_FFFFL);
        case "denominator" -> denominator = switch (e.getValue().asText()) {
          case "HUNDRED" -> 100;
          case "TEN_THOUSAND" -> 10_000;
          case "MILLION" -> 1_000_000;
          default -> throw p.error("unknown value " + ProtoMapper.describe(e.getValue())
              + "; expected one of HUNDRED, TEN_THOUSAND, MILLION");
        };
        default -> throw p.error("unknown field (a fractional percent has numerator and denominator)");
      }
    }
    return Math.min(100.0, numerator * 100.0 / denominator);
  }

  // ---------------------------------------------------------------- clusters and endpoints

  private void clusters() {
    Descriptor cluster = Cluster.getDescriptor();
    v2(cluster, "hosts", "found \"hosts\", use load_assignment");
    v2(cluster, "tls_context", "found \"tls_context\", use transport_socket");
    on(cluster, "http2_protocol_options", (m, b, parent, value, path) -> {
      Cluster.Builder c = (Cluster.Builder) b;
      c.setHttp2ProtocolOptions(m.mergeObject(Http2ProtocolOptions.newBuilder(), value, path));
      c.setUpstreamProtocol(Cluster.UpstreamProtocol.HTTP2);
    });
    on(cluster, "common_http_protocol_options", (m, b, parent, value, path) -> {
      Cluster.Builder c = (Cluster.Builder) b;
      commonHttpProtocolOptions(value, path, c::setIdleTimeout, c::setMaxRequestsPerConnection);
    });
    on(cluster, "protocol_selection", (m, b, parent, value, path) -> {
      switch (value.asText()) {
        case "USE_DOWNSTREAM_PROTOCOL" -> ((Cluster.Builder) b).setUpstreamProtocol(Cluster.UpstreamProtocol.USE_DOWNSTREAM);
        case "USE_CONFIGURED_PROTOCOL" -> {}
        default -> throw path.error("unknown value " + ProtoMapper.describe(value)
            + "; expected one of USE_CONFIGURED_PROTOCOL, USE_DOWNSTREAM_PROTOCOL");
      }
    });
    on(cluster, "typed_extension_protocol_options", (m, b, parent, value, path) -> {
      object(value, path);
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ConfigPath p = path.field(e.getKey());
        String type = e.getValue().isObject() ? typeUrl(e.getValue(), p) : null;
        boolean known = e.getKey().equals(HTTP_PROTOCOL_OPTIONS)
            || e.getKey().equals("envoy.upstreams.http.http_protocol_options");
        if (!known || (type != null && !type.equals(HTTP_PROTOCOL_OPTIONS))) {
          throw p.error("unsupported protocol options \"" + e.getKey() + "\" (supported: " + HTTP_PROTOCOL_OPTIONS + ")");
        }
        httpProtocolOptions(m, (Cluster.Builder) b, e.getValue(), p);
      }
    });
    ignore(cluster, "http_protocol_options", "upstream_connection_options", "respect_dns_ttl", "dns_resolvers", "use_tcp_for_dns_lookups", "dns_resolution_config", "typed_dns_resolver_config", "cleanup_interval",
        "close_connections_on_host_health_failure", "ignore_health_on_host_removal", "track_cluster_stats",
        "track_timeout_budgets", "upstream_http_protocol_options", "dns_jitter", "dns_failure_refresh_rate",
        "wait_for_warm_on_init", "connection_pool_per_downstream_connection");
    unsupported(cluster, "cluster_type", "custom cluster types");
    unsupported(cluster, "load_balancing_policy", "load_balancing_policy (use lb_policy)");
    on(cluster, "lb_policy", (m, b, parent, value, path) -> {
      Cluster.Builder c = (Cluster.Builder) b;
      String v = value.isTextual() ? value.asText().toUpperCase(java.util.Locale.ROOT) : "";
      // ORIGINAL_DST clusters provide their own host choice (Envoy requires CLUSTER_PROVIDED there).
      if (v.equals("CLUSTER_PROVIDED") || v.equals("ORIGINAL_DST_LB")) return;
      c.setLbPolicy(Cluster.LbPolicy.forNumber(
          ProtoMapper.enumValue(Cluster.LbPolicy.getDescriptor(), value, path).getNumber()));
    });
    ignore(BindConfig.getDescriptor(), "freebind", "socket_options");
    ignore(OriginalDstLbConfig.getDescriptor(), "metadata_key");
    finisher(cluster, (b, node, path) -> {
      Cluster.Builder c = (Cluster.Builder) b;
      if (c.hasLoadAssignment() && c.getLoadAssignment().getClusterName().isEmpty()) {
        c.getLoadAssignmentBuilder().setClusterName(c.getName());
      }
    });

    on(Cluster.EdsClusterConfig.getDescriptor(), "eds_config", (m, b, parent, value, path) -> configSource(value, path));
    ignore(ClusterLoadAssignment.getDescriptor(), "named_endpoints");
    ignore(ClusterLoadAssignment.Policy.getDescriptor(), "endpoint_stale_after", "weighted_priority_health");
    unsupported(ClusterLoadAssignment.Policy.getDescriptor(), "drop_overloads", "drop_overloads");
    ignore(LocalityLbEndpoints.getDescriptor(), "proximity");
    on(LbEndpoint.getDescriptor(), "metadata", (m, b, parent, value, path) -> {
      // Envoy keeps endpoint labels under filter_metadata["envoy.lb"] (what subsets match on).
      JsonNode fm = object(value, path).path("filter_metadata");
      Struct.Builder s = Struct.newBuilder();
      if (fm.isObject()) {
        fm.fields().forEachRemaining(ns -> {
          Value v = ProtoMapper.toValue(ns.getValue());
          if (ns.getKey().equals("envoy.lb") && v.hasStructValue()) s.putAllFields(v.getStructValue().getFieldsMap());
        });
      }
      ((LbEndpoint.Builder) b).setMetadata(s);
    });
    ignore(LbEndpoint.getDescriptor(), "endpoint_name");
    ignore(Endpoint.HealthCheckConfig.getDescriptor(), "hostname");

    ignore(CircuitBreakers.Thresholds.getDescriptor(), "track_remaining", "max_connection_pools");
    ignore(OutlierDetection.getDescriptor(), "success_rate_minimum_hosts", "success_rate_request_volume",
        "success_rate_stdev_factor", "enforcing_success_rate", "failure_percentage_threshold",
        "failure_percentage_minimum_hosts", "failure_percentage_request_volume", "enforcing_failure_percentage",
        "enforcing_failure_percentage_local_origin", "enforcing_consecutive_local_origin_failure",
        "enforcing_local_origin_success_rate", "max_ejection_time", "max_ejection_time_jitter",
        "successful_active_health_check_uneject_host", "always_eject_one_host");
    ignore(HealthCheck.getDescriptor(), "no_traffic_healthy_interval", "interval_jitter", "interval_jitter_percent", "healthy_edge_interval",
        "unhealthy_edge_interval", "event_log_path", "always_log_health_check_failures", "reuse_connection",
        "initial_jitter");
    ignore(HealthCheck.HttpHealthCheck.getDescriptor(), "codec_client_type", "request_headers_to_add",
        "request_headers_to_remove");
    ignore(HealthCheck.GrpcHealthCheck.getDescriptor(), "authority");
    ignore(RingHashLbConfig.getDescriptor(), "hash_function");
    ignore(LeastRequestLbConfig.getDescriptor(), "active_request_bias");
    ignore(CommonLbConfig.getDescriptor(), "update_merge_window", "ignore_new_hosts_until_first_hc",
        "close_connections_on_host_set_change", "consistent_hashing_lb_config");
    ignore(CommonLbConfig.ZoneAwareLbConfig.getDescriptor(), "fail_traffic_on_panic");
    ignore(Http2ProtocolOptions.getDescriptor(), "hpack_table_size", "allow_connect", "allow_metadata",
        "connection_keepalive", "max_outbound_frames", "max_outbound_control_frames");
  }

  /** Envoy's upstream HttpProtocolOptions → the cluster's upstream protocol and HTTP/2 options. */
  private void httpProtocolOptions(ProtoMapper m, Cluster.Builder c, JsonNode v, ConfigPath path) {
    object(v, path);
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigPath p = path.field(e.getKey());
      JsonNode val = e.getValue();
      switch (e.getKey()) {
        case "@type" -> {}
        case "explicit_http_config" -> {
          object(val, p);
          if (val.size() != 1) throw p.error("exactly one of http_protocol_options, http2_protocol_options is required");
          String k = val.fieldNames().next();
          switch (k) {
            case "http_protocol_options" -> c.setUpstreamProtocol(Cluster.UpstreamProtocol.HTTP1);
            case "http2_protocol_options" -> {
              c.setUpstreamProtocol(Cluster.UpstreamProtocol.HTTP2);
              c.setHttp2ProtocolOptions(m.mergeObject(Http2ProtocolOptions.newBuilder(), val.get(k), p.field(k)));
            }
            case "http3_protocol_options" -> throw p.field(k).error("not supported: HTTP/3");
            default -> throw p.field(k).error("unknown field" + unknownFieldHint());
          }
        }
        case "use_downstream_protocol_config" -> {
          c.setUpstreamProtocol(Cluster.UpstreamProtocol.USE_DOWNSTREAM);
          JsonNode h2 = object(val, p).get("http2_protocol_options");
          allowKeys(val, p, "http_protocol_options", "http2_protocol_options");
          if (h2 != null) {
            c.setHttp2ProtocolOptions(m.mergeObject(Http2ProtocolOptions.newBuilder(), h2,
                p.field("http2_protocol_options")));
          }
        }
        case "auto_config" -> throw p.error("not supported: auto_config (ALPN-negotiated upstream protocol);"
            + " use explicit_http_config or use_downstream_protocol_config");
        case "common_http_protocol_options" ->
            commonHttpProtocolOptions(val, p, c::setIdleTimeout, c::setMaxRequestsPerConnection);
        case "upstream_http_protocol_options" -> {}
        case "http_filters" -> throw p.error("not supported: upstream HTTP filters");
        default -> throw p.error("unknown field" + unknownFieldHint());
      }
    }
  }

  // ---------------------------------------------------------------- TLS

  private void tls() {
    on(TransportSocket.getDescriptor(), "name", IGNORE);
    on(TransportSocket.getDescriptor(), "typed_config", (m, b, parent, value, path) -> {
      TransportSocket.Builder t = (TransportSocket.Builder) b;
      object(value, path);
      String type = typeUrl(value, path);
      if (type == null) throw path.field("@type").error("required (" + DOWNSTREAM_TLS + " or " + UPSTREAM_TLS + ")");
      switch (type) {
        case DOWNSTREAM_TLS -> t.setDownstreamTls(m.mergeObject(DownstreamTlsContext.newBuilder(), value, path, Set.of("@type")));
        case UPSTREAM_TLS -> t.setUpstreamTls(m.mergeObject(UpstreamTlsContext.newBuilder(), value, path, Set.of("@type")));
        case RAW_BUFFER -> {}
        default -> throw path.parent().error("unsupported transport socket \"" + type
            + "\" (supported: envoy.transport_sockets.tls, envoy.transport_sockets.raw_buffer)");
      }
    });
    finisher(TransportSocket.getDescriptor(), (b, node, path) -> {
      String name = node.path("name").asText("");
      if (!node.has("typed_config") && !name.equals("envoy.transport_sockets.raw_buffer") && !name.isEmpty()) {
        throw path.error("typed_config is required for transport socket \"" + name + "\"");
      }
    });
    ignore(DownstreamTlsContext.getDescriptor(), "require_sni", "session_timeout", "disable_stateless_session_resumption",
        "ocsp_staple_policy", "full_scan_certs_on_sni_mismatch", "session_ticket_keys");
    ignore(UpstreamTlsContext.getDescriptor(), "allow_renegotiation", "max_session_keys");
    ignore(TlsParameters.getDescriptor(), "ecdh_curves", "signature_algorithms");
    ignore(TlsCertificate.getDescriptor(), "ocsp_staple", "signed_certificate_timestamp");
    on(SdsSecretConfig.getDescriptor(), "sds_config", (m, b, parent, value, path) -> configSource(value, path));
    on(CommonTlsContext.getDescriptor(), "combined_validation_context", (m, b, parent, value, path) -> {
      // Istio's shape: a default context plus an SDS secret; the SDS secret wins when both are given.
      CommonTlsContext.Builder c = (CommonTlsContext.Builder) b;
      object(value, path);
      JsonNode sds = value.get("validation_context_sds_secret_config");
      JsonNode def = value.get("default_validation_context");
      allowKeys(value, path, "validation_context_sds_secret_config", "default_validation_context");
      if (sds != null) {
        c.setValidationContextSdsSecretConfig(m.mergeObject(SdsSecretConfig.newBuilder(), sds,
            path.field("validation_context_sds_secret_config")));
      } else if (def != null) {
        c.setValidationContext(m.mergeObject(CertificateValidationContext.newBuilder(), def,
            path.field("default_validation_context")));
      }
    });
    on(CertificateValidationContext.getDescriptor(), "match_typed_subject_alt_names", (m, b, parent, value, path) -> {
      list(value, path);
      for (int i = 0; i < value.size(); i++) {
        ConfigPath p = path.index(i);
        JsonNode san = object(value.get(i), p);
        allowKeys(san, p, "san_type", "matcher", "oid");
        ((CertificateValidationContext.Builder) b).addMatchSubjectAltNames(
            m.mergeObject(StringMatcher.newBuilder(), san.get("matcher"), p.field("matcher")));
      }
    });
    ignore(CertificateValidationContext.getDescriptor(), "allow_expired_certificate", "trust_chain_verification");
  }

  // ---------------------------------------------------------------- helpers

  /** The type name of an {@code @type} URL (after the last '/'); v2 types are an error. */
  static String typeUrl(JsonNode typedConfig, ConfigPath path) {
    JsonNode t = typedConfig.get("@type");
    if (t == null) return null;
    String url = ProtoMapper.string(t, path.field("@type"));
    String name = url.substring(url.lastIndexOf('/') + 1);
    if (name.startsWith("envoy.api.v2") || name.startsWith("envoy.config.filter.") || name.contains(".v2.")
        || name.endsWith(".v2alpha")) {
      throw v2Error(path.field("@type"), "found type \"" + url + "\"");
    }
    return name;
  }

  /** The extension kind: from typed_config's {@code @type} when present, else from the name. */
  private static String typeOrName(JsonNode node, ConfigPath path, Map<String, String> byName) {
    JsonNode tc = node.get("typed_config");
    if (tc != null && tc.isObject()) {
      String t = typeUrl(tc, path.field("typed_config"));
      if (t != null) return byName.containsValue(t) ? t : null;
    }
    return byName.get(node.path("name").asText(""));
  }

  /** Rejects keys of {@code obj} other than {@code allowed} (for Envoy shapes mapped by hand). */
  private void allowKeys(JsonNode obj, ConfigPath path, String... allowed) {
    List<String> ok = List.of(allowed);
    for (Iterator<String> k = obj.fieldNames(); k.hasNext(); ) {
      String key = k.next();
      if (!ok.contains(key)) {
        String suggestion = ProtoMapper.suggestion(key, ok);
        throw path.field(key).error("unknown field" + (suggestion.isEmpty() ? unknownFieldHint() : suggestion));
      }
    }
  }

  static JsonNode object(JsonNode v, ConfigPath path) {
    if (v == null || !v.isObject()) throw path.error("expected a mapping, got " + ProtoMapper.describe(v));
    return v;
  }

  static JsonNode list(JsonNode v, ConfigPath path) {
    if (v == null || !v.isArray()) throw path.error("expected a list, got " + ProtoMapper.describe(v));
    return v;
  }
}
