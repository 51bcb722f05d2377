package io.minimesh.dataplane.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SNI and ALPN from a TLS ClientHello without consuming it (the bytes go on to the TLS
 * engine or, for passthrough, to the upstream). The ClientHello may span several TLS records and
 * several reads: {@link Status#NEED_MORE} asks for more bytes.
 */
public final class ClientHelloParser {
  /** Larger ClientHellos are refused (Envoy's tls_inspector limit is 64 KiB as well). */
  public static final int MAX_CLIENT_HELLO = 64 * 1024;

  public enum Status {
    NEED_MORE,
    /** Not a TLS handshake (plaintext or garbage): transport protocol raw_buffer. */
    NOT_TLS,
    TLS,
    /** A TLS record that is not a well-formed ClientHello, or one too large: close. */
    INVALID
  }

  public record Result(Status status, String sni, List<String> alpn) {
    static final Result NEED_MORE = new Result(Status.NEED_MORE, null, List.of());
    static final Result NOT_TLS = new Result(Status.NOT_TLS, null, List.of());
    static final Result INVALID = new Result(Status.INVALID, null, List.of());
  }

  private ClientHelloParser() {}

  /** Inspects the readable bytes of {@code in}; its indices are left unchanged. */
  public static Result parse(ByteBuf in) {
    int start = in.readerIndex();
    int avail = in.readableBytes();
    if (avail < 1) return Result.NEED_MORE;
    if (in.getUnsignedByte(start) != 0x16) return Result.NOT_TLS; // handshake record
    if (avail < 2) return Result.NEED_MORE;
    if (in.getUnsignedByte(start + 1) != 3) return Result.NOT_TLS;
    if (avail < 3) return Result.NEED_MORE;
    if (in.getUnsignedByte(start + 2) > 4) return Result.NOT_TLS;
    // Reassemble the handshake message from consecutive handshake records.
    byte[] hs = new byte[0];
    int hsLen = -1;
    int pos = start;
    while (true) {
      if (in.writerIndex() - pos < 5) return Result.NEED_MORE;
      if (in.getUnsignedByte(pos) != 0x16 || in.getUnsignedByte(pos + 1) != 3) return Result.INVALID;
      int recLen = in.getUnsignedShort(pos + 3);
      if (recLen == 0 || recLen > 16384 + 2048) return pos == start ? Result.NOT_TLS : Result.INVALID;
      if (in.writerIndex() - pos - 5 < recLen) {
        // Decide early what can be decided: a first record that is no ClientHello.
        if (pos == start && avail > 5 && in.getUnsignedByte(start + 5) != 1) return Result.INVALID;
        if (pos - start + 5 + recLen > MAX_CLIENT_HELLO) return Result.INVALID;
        return Result.NEED_MORE;
      }
      byte[] grown = new byte[hs.length + recLen];
      System.arraycopy(hs, 0, grown, 0, hs.length);
      in.getBytes(pos + 5, grown, hs.length, recLen);
      hs = grown;
      pos += 5 + recLen;
      if (hsLen < 0 && hs.length >= 4) {
        if (hs[0] != 1) return Result.INVALID; // not a ClientHello
        hsLen = ((hs[1] & 0xff) << 16) | ((hs[2] & 0xff) << 8) | (hs[3] & 0xff);
        if (hsLen + 4 > MAX_CLIENT_HELLO) return Result.INVALID;
      }
      if (hsLen >= 0 && hs.length >= hsLen + 4) return body(hs, 4, 4 + hsLen);
      if (pos - start > MAX_CLIENT_HELLO) return Result.INVALID;
    }
  }

  private static Result body(byte[] b, int p, int end) {
    try {
      p += 2 + 32; // client_version, random
      p = skip8(b, p, end); // session id
      p = skip16(b, p, end); // cipher suites
      p = skip8(b, p, end); // compression methods
      String sni = null;
      List<String> alpn = new ArrayList<>();
      if (p == end) return new Result(Status.TLS, null, List.of()); // no extensions
      int extEnd = p + 2 + u16(b, p, end);
      check(extEnd, end);
      p += 2;
      while (p < extEnd) {
        int type = u16(b, p, extEnd);
        int len = u16(b, p + 2, extEnd);
        int dataStart = p + 4;
        int dataEnd = dataStart + len;
        check(dataEnd, extEnd);
        if (type == 0 && len > 0) {
          int listEnd = dataStart + 2 + u16(b, dataStart, dataEnd);
          check(listEnd, dataEnd);
          int q = dataStart + 2;
          while (q < listEnd) {
            int nameType = b[q] & 0xff;
            int nameLen = u16(b, q + 1, listEnd);
            check(q + 3 + nameLen, listEnd);
            if (nameType == 0 && sni == null) {
              sni = new String(b, q + 3, nameLen, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
            }
            q += 3 + nameLen;
          }
        } else if (type == 16 && len > 0) {
          int listEnd = dataStart + 2 + u16(b, dataStart, dataEnd);
          check(listEnd, dataEnd);
          int q = dataStart + 2;
          while (q < listEnd) {
            int l = b[q] & 0xff;
            check(q + 1 + l, listEnd);
            alpn.add(new String(b, q + 1, l, StandardCharsets.US_ASCII));
            q += 1 + l;
          }
        }
        p = dataEnd;
      }
      return new Result(Status.TLS, sni, List.copyOf(alpn));
    } catch (IndexOutOfBoundsException e) {
      return Result.INVALID;
    }
  }

  private static int u16(byte[] b, int p, int end) {
    check(p + 2, end);
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }

  private static int skip8(byte[] b, int p, int end) {
    check(p + 1, end);
    int n = p + 1 + (b[p] & 0xff);
    check(n, end);
    return n;
  }

  private static int skip16(byte[] b, int p, int end) {
    int n = p + 2 + u16(b, p, end);
    check(n, end);
    return n;
  }

  private static void check(int needed, int end) {
    if (needed > end) throw new IndexOutOfBoundsException();
  }
}
