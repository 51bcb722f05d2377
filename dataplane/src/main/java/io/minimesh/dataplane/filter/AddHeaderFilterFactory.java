package io.minimesh.dataplane.filter;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Example filter {@code minimesh.filters.http.add_header}: sets fixed headers on requests and
 * responses. Config: {@code {request_headers: {name: value}, response_headers: {name: value}}}.
 */
public final class AddHeaderFilterFactory implements HttpFilterFactory {
  public static final String NAME = "minimesh.filters.http.add_header";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public HttpFilter create(Struct config) throws InvalidConfigException {
    Map<String, String> req = new LinkedHashMap<>();
    Map<String, String> resp = new LinkedHashMap<>();
    for (Map.Entry<String, Value> e : config.getFieldsMap().entrySet()) {
      Map<String, String> target =
          switch (e.getKey()) {
            case "request_headers" -> req;
            case "response_headers" -> resp;
            default -> throw new InvalidConfigException("config." + e.getKey() + ": unknown field");
          };
      if (!e.getValue().hasStructValue()) {
        throw new InvalidConfigException("config." + e.getKey() + ": must be a map of header name to value");
      }
      for (Map.Entry<String, Value> h : e.getValue().getStructValue().getFieldsMap().entrySet()) {
        if (!h.getValue().hasStringValue()) {
          throw new InvalidConfigException("config." + e.getKey() + "." + h.getKey() + ": must be a string");
        }
        target.put(h.getKey().toLowerCase(), h.getValue().getStringValue());
      }
    }
    Map<String, String> rq = Map.copyOf(req);
    Map<String, String> rs = Map.copyOf(resp);
    return new HttpFilter() {
      @Override
      public FilterResult onRequestHeaders(HttpFilterContext ctx, HttpHeaders headers) {
        rq.forEach(headers::set);
        return FilterResult.CONTINUE;
      }

      @Override
      public void onResponseHeaders(HttpFilterContext ctx, int status, HttpHeaders headers) {
        rs.forEach(headers::set);
      }
    };
  }
}
