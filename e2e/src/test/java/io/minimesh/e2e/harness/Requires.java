package io.minimesh.e2e.harness;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Prerequisites of a test class or method, checked by {@link MeshExtension} before it runs: a missing
 * one skips the test with the reason, or fails it when {@code MINIMESH_E2E_REQUIRED=1}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Inherited
public @interface Requires {
  Prerequisite[] value();
}
