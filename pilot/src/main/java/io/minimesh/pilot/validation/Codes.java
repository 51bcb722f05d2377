package io.minimesh.pilot.validation;

/** Minimesh analysis codes; the table with meanings is in docs/pilot.md. */
public final class Codes {
  // File / document level: the document is skipped.
  public static final String YAML_SYNTAX = "MM0001";
  public static final String UNKNOWN_KIND = "MM0002";
  public static final String UNKNOWN_FIELD = "MM0003";
  public static final String MISSING_FIELD = "MM0004";
  public static final String DUPLICATE = "MM0005";
  public static final String INVALID_TYPE = "MM0006";
  // References (reported; the resource stays applied and the dangling reference matches nothing).
  public static final String GATEWAY_NOT_FOUND = "MM0101";
  public static final String HOST_NOT_FOUND = "MM0102";
  public static final String SUBSET_NOT_FOUND = "MM0103";
  public static final String SECRET_NOT_FOUND = "MM0104";
  public static final String CONFLICTING_HOST = "MM0105";
  // Invalid values: the resource is rejected.
  public static final String INVALID_VALUE = "MM0201";
  public static final String INVALID_REGEX = "MM0202";
  public static final String INVALID_DURATION = "MM0203";
  public static final String INVALID_PERCENT = "MM0204";
  public static final String INVALID_WEIGHTS = "MM0205";
  public static final String INVALID_RETRY_ON = "MM0206";
  public static final String INVALID_HOST = "MM0207";
  public static final String INVALID_PORT = "MM0208";
  public static final String INVALID_ENUM = "MM0209";
  public static final String INVALID_CERTIFICATE = "MM0210";
  public static final String INVALID_STATUS = "MM0211";
  public static final String INVALID_LABELS = "MM0212";
  /** A setting Minimesh does not implement (warning; the setting is ignored or its server not served). */
  public static final String UNSUPPORTED = "MM0213";
  /** A setting that has no effect as written (warning), e.g. locality failover without outlier detection. */
  public static final String INEFFECTIVE = "MM0214";

  private Codes() {}
}
