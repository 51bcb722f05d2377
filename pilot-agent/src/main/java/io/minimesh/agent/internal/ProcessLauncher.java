package io.minimesh.agent.internal;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.List;

/** Starts the proxy process; tests pass one that redirects output to files. */
interface ProcessLauncher {
  Process start(List<String> command) throws IOException;

  /**
   * The proxy's stdout/stderr go straight to the agent's, unprefixed, as Istio's agent does with
   * Envoy: log collectors see the proxy's own format and no pump thread sits in between.
   */
  static ProcessLauncher inheritIo() {
    return command -> new ProcessBuilder(command).redirectInput(Redirect.INHERIT)
        .redirectOutput(Redirect.INHERIT).redirectError(Redirect.INHERIT).start();
  }
}
