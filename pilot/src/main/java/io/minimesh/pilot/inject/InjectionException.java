package io.minimesh.pilot.inject;

/** A pod cannot be injected as asked (a malformed annotation); the message names pod and annotation. */
public final class InjectionException extends RuntimeException {
  public InjectionException(String message) {
    super(message);
  }
}
