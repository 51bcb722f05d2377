package io.minimesh.pilot.config;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import io.minimesh.pilot.validation.Codes;
import io.minimesh.pilot.validation.ValidationMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --config-dir DIR}: every *.yaml / *.yml / *.json file under DIR (recursively), multi-document.
 * Watched with a WatchService, plus a periodic rescan because some file systems (bind mounts, ConfigMap
 * symlink swaps) do not report events. A snapshot is emitted only when some file's content changed.
 */
public final class DirectoryConfigSource implements ConfigSource {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryConfigSource.class);

  private final Path dir;
  private final Duration rescanInterval;
  private final ScheduledExecutorService executor;
  private volatile boolean synced;
  private volatile boolean closed;
  private WatchService watch;
  private Thread watchThread;
  private Consumer<MeshSnapshot> listener;
  /** Owned by the executor thread: last file contents seen. */
  private Map<Path, String> lastContents = Map.of();

  public DirectoryConfigSource(Path dir, Duration rescanInterval) {
    this.dir = dir;
    this.rescanInterval = rescanInterval;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "config-dir");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void start(Consumer<MeshSnapshot> listener) throws Exception {
    this.listener = listener;
    if (!Files.isDirectory(dir)) throw new IOException("config dir does not exist: " + dir);
    executor.submit(this::rescan).get();
    synced = true;
    try {
      watch = dir.getFileSystem().newWatchService();
      registerAll();
      watchThread = new Thread(this::watchLoop, "config-dir-watch");
      watchThread.setDaemon(true);
      watchThread.start();
    } catch (IOException e) {
      LOG.warn("cannot watch {} ({}); relying on the periodic rescan", dir, e.toString());
    }
    long ms = rescanInterval.toMillis();
    executor.scheduleWithFixedDelay(this::rescan, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Rescans now (tests; also what a watch event triggers). */
  public void rescanNow() {
    executor.execute(this::rescan);
  }

  private void registerAll() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.filter(Files::isDirectory)::iterator) {
        p.register(watch, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
      }
    }
  }

  private void watchLoop() {
    while (!closed) {
      try {
        var key = watch.take();
        key.pollEvents();
        key.reset();
        executor.execute(() -> {
          try {
            registerAll(); // new subdirectories
          } catch (IOException ignored) {
            // the rescan still sees them
          }
          rescan();
        });
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
    }
  }

  private void rescan() {
    if (closed) return;
    try {
      Map<Path, String> contents = new TreeMap<>();
      List<ValidationMessage> errors = new ArrayList<>();
      try (Stream<Path> s = Files.find(dir, 16, (p, a) -> isConfigFile(p, a))) {
        for (Path p : (Iterable<Path>) s::iterator) {
          try {
            contents.put(p, Files.readString(p, StandardCharsets.UTF_8));
          } catch (IOException e) {
            errors.add(ValidationMessage.error(Codes.YAML_SYNTAX, null, new Origin(dir.relativize(p).toString(), 0), "cannot read: " + e.getMessage()));
          }
        }
      }
      if (contents.equals(lastContents) && errors.isEmpty()) return;
      lastContents = contents;
      listener.accept(build(contents, errors));
    } catch (IOException | RuntimeException e) {
      LOG.warn("rescan of {} failed: {}", dir, e.toString());
    }
  }

  private MeshSnapshot build(Map<Path, String> contents, List<ValidationMessage> errors) {
    List<ConfigResource> configs = new ArrayList<>();
    List<TlsSecret> secrets = new ArrayList<>();
    long fileIdx = 0;
    for (var e : contents.entrySet()) {
      String name = dir.relativize(e.getKey()).toString();
      ConfigParser.Result r = ConfigParser.parse(name, e.getValue(), ++fileIdx * 1_000_000L);
      configs.addAll(r.configs());
      secrets.addAll(r.secrets());
      errors.addAll(r.errors());
    }
    return new MeshSnapshot(configs, secrets, List.of(), List.of(), errors);
  }

  private static boolean isConfigFile(Path p, BasicFileAttributes a) {
    if (!a.isRegularFile() && !a.isSymbolicLink()) return false;
    String n = p.getFileName().toString();
    if (n.startsWith(".")) return false;
    return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
  }

  @Override
  public boolean synced() {
    return synced;
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    if (watch != null) {
      try {
        watch.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
