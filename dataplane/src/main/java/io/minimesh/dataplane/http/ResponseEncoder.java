package io.minimesh.dataplane.http;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/** Response encoder that knows when the current request is HEAD (no body follows the headers). */
final class ResponseEncoder extends HttpResponseEncoder {
  boolean head;

  @Override
  protected boolean isContentAlwaysEmpty(HttpResponse msg) {
    return head || super.isContentAlwaysEmpty(msg);
  }
}
