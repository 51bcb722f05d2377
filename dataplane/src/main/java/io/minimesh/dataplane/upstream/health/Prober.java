package io.minimesh.dataplane.upstream.health;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Probes one host once. Implementations complete {@code done} exactly once, on the checker's
 * thread, within their timeout.
 */
public interface Prober {
  void probe(InetSocketAddress address, Consumer<ProbeResult> done);
}
