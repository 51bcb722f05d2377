package io.minimesh.dataplane.xds;

import io.minimesh.dataplane.config.ConfigApplier;
import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.config.InvalidConfigException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** Records what it applies; can be told to reject snapshots (the function returns the error text, or null). */
final class FakeApplier implements ConfigApplier {
  final List<ConfigSnapshot> applied = new CopyOnWriteArrayList<>();
  volatile Function<ConfigSnapshot, String> rejector = s -> null;
  private volatile ConfigSnapshot current;

  FakeApplier(ConfigSnapshot initial) {
    this.current = initial;
  }

  @Override
  public void apply(ConfigSnapshot next) throws InvalidConfigException {
    String error = rejector.apply(next);
    if (error != null) throw new InvalidConfigException(error);
    applied.add(next);
    current = next;
  }

  @Override
  public ConfigSnapshot current() {
    return current;
  }
}
