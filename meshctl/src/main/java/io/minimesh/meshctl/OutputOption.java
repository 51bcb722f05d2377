package io.minimesh.meshctl;

import io.minimesh.meshctl.internal.output.OutputFormat;
import picocli.CommandLine.Option;

/** {@code -o/--output} on every view. */
final class OutputOption {
  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      paramLabel = "FORMAT",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat format;
}
