package io.minimesh.pilot.validation;

import io.minimesh.pilot.config.ConfigKey;
import io.minimesh.pilot.config.Origin;

/**
 * One istioctl-analyze-style finding: {@code Error [MM0101] (VirtualService default/webapp file.yaml:12)
 * referenced gateway not found: "coolstore-gateway"}. {@code resource} may be null for file-level errors.
 */
public record ValidationMessage(Level level, String code, ConfigKey resource, Origin origin, String text) {
  public enum Level {
    Error,
    Warning,
    Info
  }

  public static ValidationMessage error(String code, ConfigKey r, Origin o, String text) {
    return new ValidationMessage(Level.Error, code, r, o, text);
  }

  public static ValidationMessage warning(String code, ConfigKey r, Origin o, String text) {
    return new ValidationMessage(Level.Warning, code, r, o, text);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append(level).append(" [").append(code).append("] (");
    if (resource != null) {
      sb.append(resource);
      if (origin != null) sb.append(' ');
    }
    if (origin != null) sb.append(origin);
    return sb.append(") ").append(text).toString();
  }
}
