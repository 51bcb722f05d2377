package io.minimesh.dataplane.filter;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.minimesh.api.xds.v1.HeaderMatcher;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.route.RouteTable;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Envoy's {@code envoy.filters.http.health_check} (HealthCheck): a request whose headers match all of
 * {@code headers} is a health check. Without {@code pass_through_mode} the proxy answers it itself
 * (200, empty body) so a load balancer probing the edge proxy does not depend on a backend; with
 * {@code pass_through_mode: true} it goes upstream like any request (Envoy then only caches the
 * answer, {@code cache_time}, which is not done here). Header names {@code :path}, {@code :method},
 * {@code :authority} match the request line (the path with its query, as Envoy's {@code :path}).
 */
public final class HealthCheckFilterFactory implements HttpFilterFactory {
  public static final String NAME = "envoy.filters.http.health_check";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public HttpFilter create(Struct config) throws InvalidConfigException {
    StructReader r = new StructReader(config, "typed_config")
        .allow(Set.of("pass_through_mode", "headers", "cache_time", "cluster_min_healthy_percentages"));
    if (r.has("cluster_min_healthy_percentages")) {
      throw new InvalidConfigException(r.where("cluster_min_healthy_percentages") + ": not supported");
    }
    if (!r.has("pass_through_mode")) throw new InvalidConfigException(r.where("pass_through_mode") + ": required");
    boolean passThrough = r.bool("pass_through_mode", false);
    List<Predicate<RouteTable.Request>> matchers = new ArrayList<>();
    for (StructReader h : r.objects("headers")) matchers.add(header(h));
    if (passThrough) return new HttpFilter() {};
    List<Predicate<RouteTable.Request>> all = List.copyOf(matchers);
    return new HttpFilter() {
      @Override
      public FilterResult onRequestHeaders(HttpFilterContext ctx, HttpHeaders headers) {
        Request req = new Request(ctx, headers);
        for (Predicate<RouteTable.Request> m : all) if (!m.test(req)) return FilterResult.CONTINUE;
        ctx.sendLocalReply(200, "");
        return FilterResult.STOP;
      }
    };
  }

  /** The request as the route package's matchers read it. */
  private record Request(HttpFilterContext ctx, HttpHeaders headers) implements RouteTable.Request {
    @Override
    public String authority() {
      return ctx.authority();
    }

    @Override
    public String method() {
      return ctx.method();
    }

    @Override
    public String pathAndQuery() {
      return ctx.path();
    }

    @Override
    public String scheme() {
      return ctx.scheme();
    }
  }

  /**
   * One Envoy HeaderMatcher, compiled by the route package (the same semantics as route matches).
   * {@code treat_missing_header_as_empty} and a regex's {@code google_re2} have no effect here.
   */
  private static Predicate<RouteTable.Request> header(StructReader h) throws InvalidConfigException {
    h.allow(Set.of("name", "exact_match", "prefix_match", "suffix_match", "contains_match", "present_match",
        "safe_regex_match", "string_match", "invert_match", "treat_missing_header_as_empty"));
    Struct.Builder fields = Struct.newBuilder().putAllFields(h.fields());
    fields.removeFields("treat_missing_header_as_empty");
    HeaderMatcher.Builder m = HeaderMatcher.newBuilder();
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(JsonFormat.printer().print(fields), m);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidConfigException(h.where() + ": " + e.getMessage());
    }
    return RouteTable.headerMatcher(m.build(), h.where());
  }
}
