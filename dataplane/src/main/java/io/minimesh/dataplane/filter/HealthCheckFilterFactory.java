package io.minimesh.dataplane.filter;

import com.google.protobuf.Struct;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

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
    List<Predicate<Request>> matchers = new ArrayList<>();
    for (StructReader h : r.objects("headers")) matchers.add(header(h));
    if (passThrough) return new HttpFilter() {};
    List<Predicate<Request>> all = List.copyOf(matchers);
    return new HttpFilter() {
      @Override
      public FilterResult onRequestHeaders(HttpFilterContext ctx, HttpHeaders headers) {
        Request req = new Request(ctx, headers);
        for (Predicate<Request> m : all) if (!m.test(req)) return FilterResult.CONTINUE;
        ctx.sendLocalReply(200, "");
        return FilterResult.STOP;
      }
    };
  }

  private record Request(HttpFilterContext ctx, HttpHeaders headers) {
    String get(String name) {
      return switch (name) {
        case ":path" -> ctx.path();
        case ":method" -> ctx.method();
        case ":authority", "host" -> ctx.authority();
        default -> headers.get(name);
      };
    }
  }

  /** One Envoy HeaderMatcher: name plus one of the value matchers, optionally inverted. */
  private static Predicate<Request> header(StructReader h) throws InvalidConfigException {
    h.allow(Set.of("name", "exact_match", "prefix_match", "suffix_match", "contains_match", "present_match",
        "safe_regex_match", "string_match", "invert_match", "treat_missing_header_as_empty"));
    String name = h.string("name", "").toLowerCase(Locale.ROOT);
    if (name.isEmpty()) throw new InvalidConfigException(h.where("name") + ": required");
    Predicate<String> value;
    if (h.has("exact_match")) {
      String v = h.string("exact_match", "");
      value = v::equals;
    } else if (h.has("prefix_match")) {
      String v = h.string("prefix_match", "");
      value = s -> s.startsWith(v);
    } else if (h.has("suffix_match")) {
      String v = h.string("suffix_match", "");
      value = s -> s.endsWith(v);
    } else if (h.has("contains_match")) {
      String v = h.string("contains_match", "");
      value = s -> s.contains(v);
    } else if (h.has("safe_regex_match")) {
      value = regex(h.object("safe_regex_match"));
    } else if (h.has("string_match")) {
      value = stringMatch(h.object("string_match"));
    } else {
      boolean present = h.bool("present_match", true);
      value = s -> present;
    }
    boolean invert = h.bool("invert_match", false);
    Predicate<String> v = value;
    return req -> {
      String actual = req.get(name);
      boolean m = actual != null && v.test(actual);
      return invert != m;
    };
  }

  private static Predicate<String> stringMatch(StructReader s) throws InvalidConfigException {
    s.allow(Set.of("exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case"));
    boolean ic = s.bool("ignore_case", false);
    if (s.has("safe_regex")) return regex(s.object("safe_regex"));
    String[] kinds = {"exact", "prefix", "suffix", "contains"};
    for (String k : kinds) {
      if (!s.has(k)) continue;
      String want = ic ? s.string(k, "").toLowerCase(Locale.ROOT) : s.string(k, "");
      return actual -> {
        String a = ic ? actual.toLowerCase(Locale.ROOT) : actual;
        return switch (k) {
          case "exact" -> a.equals(want);
          case "prefix" -> a.startsWith(want);
          case "suffix" -> a.endsWith(want);
          default -> a.contains(want);
        };
      };
    }
    throw new InvalidConfigException(s.where() + ": one of exact, prefix, suffix, contains, safe_regex is required");
  }

  private static Predicate<String> regex(StructReader r) throws InvalidConfigException {
    r.allow(Set.of("regex", "google_re2"));
    try {
      Pattern p = Pattern.compile(r.string("regex", ""));
      return s -> p.matcher(s).matches();
    } catch (RuntimeException e) {
      throw new InvalidConfigException(r.where("regex") + ": invalid regex: " + e.getMessage());
    }
  }
}
