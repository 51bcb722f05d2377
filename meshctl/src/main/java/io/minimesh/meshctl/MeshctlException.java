package io.minimesh.meshctl;

/** An error the user can act on: printed as {@code Error: <message>} and exit code 1, no stack trace. */
public class MeshctlException extends RuntimeException {
  public MeshctlException(String message) {
    super(message);
  }

  public MeshctlException(String message, Throwable cause) {
    super(message, cause);
  }
}
