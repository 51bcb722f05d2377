package io.minimesh.meshctl.internal.demo;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Test helpers: is a pid gone (exited, or a zombie waiting for init)? */
public final class Processes {
  public static boolean gone(long pid) {
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
      } catch (IOException e) {
        return true;
      }
    }
    return true;
  }

  public static void awaitGone(List<Long> pids) {
    await().atMost(Duration.ofSeconds(15)).until(() -> pids.stream().allMatch(Processes::gone));
  }

  public static List<Long> readPids(Path dir, String... names) throws IOException {
    List<Long> out = new java.util.ArrayList<>();
    for (String n : names) {
      for (String line : Files.readAllLines(dir.resolve(n))) {
        if (!line.isBlank()) out.add(Long.parseLong(line.trim()));
      }
    }
    return out;
  }

  private Processes() {}
}
