package io.minimesh.dataplane.upstream;

import io.netty.handler.codec.http.HttpObject;

/** What an upstream stream reports to the router. All calls happen on the stream's event loop. */
public interface UpstreamCallbacks {
  /** The stream is ready; request headers and body may be written. */
  void onReady(UpstreamStream stream);

  /** No connection could be made. {@code reason} is Envoy's reset reason text. */
  void onConnectFailure(String reason);

  /** Response headers ({@code HttpResponse}), body ({@code HttpContent}) or end ({@code LastHttpContent}). Ownership passes. */
  void onResponse(HttpObject msg);

  /** The stream or its connection ended abnormally. */
  void onReset(String reason);

  /**
   * A circuit breaker refused the request (max_connections and max_pending_requests reached): the
   * router answers 503 with flag {@code UO}. May be called from within {@code newStream}.
   */
  default void onOverflow() {
    onConnectFailure("overflow");
  }
}
