package io.minimesh.dataplane.filter;

import java.net.SocketAddress;

/** What a filter can see and do for one request. Called on the connection's event loop: never block. */
public interface HttpFilterContext {
  String method();

  /** Path and query as received (after earlier filters' changes). */
  String path();

  /** Replaces the request path (before routing). */
  void setPath(String pathAndQuery);

  String authority();

  /** "http" or "https", as the request arrived. */
  default String scheme() {
    return "http";
  }

  SocketAddress remoteAddress();

  /** The request id (x-request-id). */
  String requestId();

  /** Answers the request without contacting an upstream; return {@link FilterResult#STOP} afterwards. */
  void sendLocalReply(int status, String body);
}
