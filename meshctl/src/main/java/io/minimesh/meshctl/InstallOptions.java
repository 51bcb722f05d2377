package io.minimesh.meshctl;

import io.minimesh.meshctl.internal.install.InstallValues;
import io.minimesh.meshctl.internal.install.Manifests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** What to install: profile, IstioOperator overlay files, --set paths (istioctl's flags). */
final class InstallOptions {
  @Option(names = "--profile", paramLabel = "NAME", defaultValue = "default",
      description = "Installation profile: default, demo (access logs, TCP gateway port) or minimal (no gateway). Default: ${DEFAULT-VALUE}.")
  String profile;

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE",
      description = "IstioOperator YAML merged over the profile (e.g. extra components.ingressGateways[]); repeatable.")
  List<Path> files = new ArrayList<>();

  @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
      description = "Override one value of the IstioOperator spec, e.g. values.global.hub=localhost:5000, "
          + "values.global.tag=dev, meshConfig.accessLogFile=/dev/stdout, components.ingressGateways[0].enabled=false; repeatable.")
  List<String> settings = new ArrayList<>();

  Manifests manifests() {
    List<String> overlays = new ArrayList<>();
    for (Path f : files) {
      try {
        overlays.add(Files.readString(f));
      } catch (IOException e) {
        throw new MeshctlException("cannot read " + f + ": " + e.getMessage());
      }
    }
    try {
      return new Manifests(InstallValues.of(profile, overlays, settings), Main.clientVersion());
    } catch (IllegalArgumentException e) {
      throw new MeshctlException(e.getMessage());
    }
  }
}
