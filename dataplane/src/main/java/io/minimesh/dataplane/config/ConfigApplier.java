package io.minimesh.dataplane.config;

/**
 * Takes a complete candidate configuration and either applies all of it atomically or rejects
 * all of it. Implemented by the proxy runtime; called by the static bootstrap path at start and
 * by the xDS client on every update (a rejection becomes a NACK carrying the exception's message).
 *
 * <p>Requests in flight finish on the configuration they started with; connections whose
 * listener still exists are kept.
 */
public interface ConfigApplier {
  /**
   * Validates {@code next} completely (every listener, route, cluster, endpoint, secret) and then
   * swaps it in.
   *
   * @throws InvalidConfigException naming the resource and field at fault; nothing was changed
   */
  void apply(ConfigSnapshot next) throws InvalidConfigException;

  /** The configuration currently applied. */
  ConfigSnapshot current();
}
