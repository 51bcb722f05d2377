package io.minimesh.pilot.config;

/** Where a resource came from: file and 1-based line of its document (or "kubernetes", 0). */
public record Origin(String file, int line) {
  @Override
  public String toString() {
    return line > 0 ? file + ":" + line : file;
  }
}
