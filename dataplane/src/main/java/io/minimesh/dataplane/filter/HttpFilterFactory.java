package io.minimesh.dataplane.filter;

import com.google.protobuf.Struct;
import io.minimesh.dataplane.config.InvalidConfigException;

/**
 * The HTTP filter SPI. Implementations are found with {@link java.util.ServiceLoader} (list them in
 * {@code META-INF/services/io.minimesh.dataplane.filter.HttpFilterFactory}) and referenced by
 * {@link #name()} in an HTTP connection manager's {@code http_filters}.
 */
public interface HttpFilterFactory {
  /** The name used in config, e.g. {@code minimesh.filters.http.add_header}. */
  String name();

  /**
   * Validates the filter's configuration and builds the filter.
   *
   * @throws InvalidConfigException with a message naming the bad field (the caller prefixes the path)
   */
  HttpFilter create(Struct config) throws InvalidConfigException;
}
