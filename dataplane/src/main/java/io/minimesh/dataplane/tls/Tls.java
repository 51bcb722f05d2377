package io.minimesh.dataplane.tls;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/** Marks downstream connections that terminated TLS (x-forwarded-proto: https). */
public final class Tls {
  private static final AttributeKey<Boolean> TLS = AttributeKey.valueOf("minimesh.tls");

  private Tls() {}

  public static void markTls(Channel ch) {
    ch.attr(TLS).set(Boolean.TRUE);
  }

  /** True when {@code ch}, or the HTTP/2 connection it is a stream of, terminated TLS. */
  public static boolean isTls(Channel ch) {
    for (Channel c = ch; c != null; c = c.parent()) {
      if (Boolean.TRUE.equals(c.attr(TLS).get())) return true;
    }
    return false;
  }
}
