package io.minimesh.meshctl.internal.output;

/** {@code -o/--output}. */
public enum OutputFormat {
  table,
  json,
  yaml
}
