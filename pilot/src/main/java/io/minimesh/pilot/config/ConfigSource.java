package io.minimesh.pilot.config;

import java.util.function.Consumer;

/**
 * A source of mesh configuration (a directory of YAML files; Kubernetes informers). It emits a complete
 * {@link MeshSnapshot} on start and after every change; pilot debounces, validates and translates.
 */
public interface ConfigSource extends AutoCloseable {
  /** Starts watching; {@code listener} gets the first snapshot before this returns, later ones from any thread. */
  void start(Consumer<MeshSnapshot> listener) throws Exception;

  /** True once the first complete snapshot was delivered. */
  boolean synced();

  @Override
  void close();
}
