package io.minimesh.dataplane.config;

/**
 * Configuration that cannot be applied. The message names where the fault is, as a path
 * ({@code static_resources.listeners[0].filter_chains[0].filters[0]: unsupported filter "x"}) or as
 * a resource and field ({@code Cluster "outbound|80||reviews": connect_timeout: must be positive}).
 */
public final class InvalidConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidConfigException(String message) {
    super(message);
  }

  public InvalidConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
