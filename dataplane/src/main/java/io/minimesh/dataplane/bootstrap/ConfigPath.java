package io.minimesh.dataplane.bootstrap;

import java.util.regex.Pattern;

/**
 * Where a node sits in the config document, rendered as {@code static_resources.clusters[1].lb_policy}.
 * Immutable; children share their parent so building paths while walking costs little.
 */
final class ConfigPath {
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@-]+");
  static final ConfigPath ROOT = new ConfigPath(null, "");

  private final ConfigPath parent;
  private final String segment;

  private ConfigPath(ConfigPath parent, String segment) {
    this.parent = parent;
    this.segment = segment;
  }

  /** A mapping key; keys that are not plain identifiers are quoted ({@code options["a.b"]}). */
  ConfigPath field(String name) {
    if (PLAIN.matcher(name).matches()) {
      return new ConfigPath(this, (parent == null && segment.isEmpty()) || segment.endsWith(": ") ? name : "." + name);
    }
    return new ConfigPath(this, "[\"" + name + "\"]");
  }

  /** The root of another document (a file-based xDS source): paths read {@code file: resources[0].name}. */
  static ConfigPath file(String name) {
    return new ConfigPath(ROOT, name + ": ");
  }

  ConfigPath index(int i) {
    return new ConfigPath(this, "[" + i + "]");
  }

  /** The last segment: the key or index this path ends with. */
  String last() {
    return segment.replaceAll("^\\.|^\\[\"?|\"?]$", "");
  }

  /** The enclosing node's path (the root's parent is the root). */
  ConfigPath parent() {
    return parent == null ? this : parent;
  }

  InvalidConfig error(String message) {
    return new InvalidConfig(isRoot() ? message : this + ": " + message);
  }

  boolean isRoot() {
    return parent == null;
  }

  @Override
  public String toString() {
    if (parent == null) return "";
    return parent + segment;
  }

  /**
   * Unchecked carrier for a config error while walking the tree; {@link BootstrapLoader} turns it
   * into the public checked {@code InvalidConfigException} at the boundary.
   */
  static final class InvalidConfig extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidConfig(String message) {
      super(message, null, false, false);
    }
  }
}
