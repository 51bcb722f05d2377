package io.minimesh.dataplane.upstream;

import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpObject;

/** One request/response exchange on an upstream connection (HTTP/1.1 or one HTTP/2 stream). */
public interface UpstreamStream {
  /** Writes and flushes; ownership of {@code msg} passes. */
  ChannelFuture write(HttpObject msg);

  /** Asks for the next piece of the response (back-pressure: called after the previous one was written downstream). */
  void read();

  /** Abandons the exchange: an HTTP/1.1 connection is closed, an HTTP/2 stream reset. */
  void cancel();

  HostImpl host();

  /**
   * After a 101 response: takes the connection out of the pool and strips its HTTP codec so it
   * carries raw bytes. HTTP/1.1 only.
   */
  default io.netty.channel.Channel detachForTunnel() {
    throw new UnsupportedOperationException("upgrade needs an HTTP/1.1 upstream");
  }
}
