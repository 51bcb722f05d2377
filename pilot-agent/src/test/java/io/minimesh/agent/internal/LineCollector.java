package io.minimesh.agent.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects a child process's output lines on a daemon thread, for tests to await. */
final class LineCollector {
  static List<String> of(Process p) {
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String l;
        while ((l = r.readLine()) != null) {
          lines.add(l);
        }
      } catch (IOException ignored) {
        // the process is gone
      }
    }, "lines-" + p.pid());
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  private LineCollector() {}
}
