package io.minimesh.pilot.config;

/** Identity of a config resource: kind, namespace, name. */
public record ConfigKey(String kind, String namespace, String name) implements Comparable<ConfigKey> {
  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }

  @Override
  public int compareTo(ConfigKey o) {
    int c = kind.compareTo(o.kind);
    if (c == 0) c = namespace.compareTo(o.namespace);
    if (c == 0) c = name.compareTo(o.name);
    return c;
  }
}
