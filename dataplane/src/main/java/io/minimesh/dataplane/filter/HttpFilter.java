package io.minimesh.dataplane.filter;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * One configured HTTP filter. Instances are built once per configuration by an
 * {@link HttpFilterFactory} and shared by all requests and event loops, so they must be immutable
 * (or thread-safe). Filters run in the order of {@code http_filters}; the router comes last.
 */
public interface HttpFilter {
  /** Sees (and may change) the request headers before routing. */
  default FilterResult onRequestHeaders(HttpFilterContext ctx, HttpHeaders headers) {
    return FilterResult.CONTINUE;
  }

  /** Sees (and may change) the response headers before they go to the client (local replies too). */
  default void onResponseHeaders(HttpFilterContext ctx, int status, HttpHeaders headers) {}
}
