package io.minimesh.dataplane.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Per-request helpers found hot by profiling (JFR, docs/performance.md): no copies, no SecureRandom. */
final class HotPath {
  private HotPath() {}

  /**
   * Removes the headers whose name starts with {@code prefix} (case-sensitive) without copying the
   * name set first: almost every request has none, so the common case allocates only an iterator.
   */
  static void removePrefixed(HttpHeaders h, String prefix) {
    List<CharSequence> found = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      if (AsciiString.regionMatches(name, false, 0, prefix, 0, prefix.length())) {
        if (found == null) found = new ArrayList<>(2);
        found.add(name);
      }
    }
    if (found != null) found.forEach(h::remove);
  }

  /**
   * A random (version 4) UUID for x-request-id. Envoy draws these from a fast non-cryptographic
   * generator too; {@link UUID#randomUUID()} goes through SecureRandom, which showed in the profile.
   */
  static String uuid4() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lsb = (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // IETF variant
    return new UUID(msb, lsb).toString();
  }
}
