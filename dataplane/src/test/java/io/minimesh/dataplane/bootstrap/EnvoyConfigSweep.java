package io.minimesh.dataplane.bootstrap;

import io.minimesh.dataplane.config.ConfigSnapshot;
import io.minimesh.dataplane.runtime.internal.Compiler;
import io.minimesh.dataplane.stats.StatsRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A developer tool, not a regression test: {@code -Dsweep.dir=DIR} loads and compiles every
 * {@code *.yaml} in DIR the way {@code mesh-proxy -c} does (without binding sockets) and prints one
 * line per file. Used to check real-world Envoy configs (docs/envoy-compat.md).
 */
class EnvoyConfigSweep {
  @Test
  void sweep() throws Exception {
    String dir = System.getProperty("sweep.dir");
    Assumptions.assumeTrue(dir != null, "set -Dsweep.dir");
    try (Stream<Path> files = Files.list(Path.of(dir))) {
      for (Path p : files.filter(f -> f.toString().matches(".*\\.ya?ml")).sorted().toList()) {
        String result;
        try {
          var b = BootstrapLoader.fromFile(p);
          new Compiler(new StatsRegistry(), 1, new ConcurrentHashMap<>())
              .compile(ConfigSnapshot.fromBootstrap(b, Instant.EPOCH));
          result = "OK";
        } catch (Exception e) {
          result = "FAIL " + e.getMessage();
        }
        System.out.println("SWEEP " + p.getFileName() + ": " + result);
      }
    }
  }
}
