package io.minimesh.dataplane.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The destination a connection had before iptables REDIRECTed it to the proxy, read with
 * {@code getsockopt(SO_ORIGINAL_DST)} through Netty's epoll transport. With NIO, or for a
 * connection that was not redirected, there is none.
 */
public final class OriginalDestination {
  /** Where the accept path records the original destination of a downstream connection. */
  public static final AttributeKey<InetSocketAddress> KEY = AttributeKey.valueOf("minimesh.originalDst");

  private static final int SOL_IP = 0;
  private static final int SOL_IPV6 = 41;
  private static final int SO_ORIGINAL_DST = 80; // IP6T_SO_ORIGINAL_DST has the same number
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;

  private static final RawUnixChannelOption V4 =
      new RawUnixChannelOption("SO_ORIGINAL_DST", SOL_IP, SO_ORIGINAL_DST, 16);
  private static final RawUnixChannelOption V6 =
      new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", SOL_IPV6, SO_ORIGINAL_DST, 28);

  private OriginalDestination() {}

  /**
   * Reads the original destination of an accepted connection; null when there is none, or when it
   * is the connection's own local address (nothing was redirected).
   */
  public static InetSocketAddress read(Channel ch) {
    // Raw socket options exist only on the native transport; NIO cannot read SO_ORIGINAL_DST.
    if (!(ch instanceof io.netty.channel.epoll.EpollSocketChannel)) return null;
    InetSocketAddress local = ch.localAddress() instanceof InetSocketAddress l ? l : null;
    boolean v6 = local != null && local.getAddress() instanceof java.net.Inet6Address
        && !isV4Mapped(local.getAddress());
    InetSocketAddress dst = query(ch, v6 ? V6 : V4);
    if (dst == null && v6) dst = query(ch, V4); // a v4 connection on a dual-stack socket
    if (dst == null || dst.equals(local)) return null;
    return dst;
  }

  private static InetSocketAddress query(Channel ch, RawUnixChannelOption option) {
    try {
      ByteBuffer b = ch.config().getOption(option);
      return b == null ? null : parse(b);
    } catch (ChannelException | UnsupportedOperationException e) {
      return null; // ENOENT: no NAT entry for this connection
    }
  }

  /** A {@code sockaddr_in} or {@code sockaddr_in6} as the kernel returns it (family in host order). */
  static InetSocketAddress parse(ByteBuffer b) {
    int n = b.remaining();
    int at = b.position();
    if (n < 8) return null;
    // sa_family is host byte order (little-endian on every platform we run on); port is network order.
    int family = (b.get(at) & 0xff) | (b.get(at + 1) & 0xff) << 8;
    int port = (b.get(at + 2) & 0xff) << 8 | (b.get(at + 3) & 0xff);
    byte[] ip;
    if (family == AF_INET && n >= 8) {
      ip = new byte[4];
      for (int i = 0; i < 4; i++) ip[i] = b.get(at + 4 + i);
    } else if (family == AF_INET6 && n >= 24) {
      ip = new byte[16];
      for (int i = 0; i < 16; i++) ip[i] = b.get(at + 8 + i);
    } else {
      return null;
    }
    if (port == 0) return null;
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static boolean isV4Mapped(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != 16) return false;
    for (int i = 0; i < 10; i++) if (b[i] != 0) return false;
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  /** The original destination recorded on {@code ch} (or on its parent, for an HTTP/2 stream). */
  public static InetSocketAddress of(Channel ch) {
    for (Channel c = ch; c != null; c = c.parent()) {
      InetSocketAddress a = c.attr(KEY).get();
      if (a != null) return a;
      if (c.parent() == null || c.parent() instanceof io.netty.channel.ServerChannel) break;
    }
    return null;
  }
}
