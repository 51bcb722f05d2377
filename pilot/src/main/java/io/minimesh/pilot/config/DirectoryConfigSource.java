package io.minimesh.pilot.config;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import io.minimesh.pilot.validation.Codes;
import io.minimesh.pilot.validation.ValidationMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  /** Owned by the executor thread: errors of the last full rescan (reading files). */
  private List<ValidationMessage> lastErrors = List.of();
  /** Owned by the executor thread: parse results by file. */
  private Map<Path, Parsed> parsed = new HashMap<>();

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
        Path base = (Path) key.watchable();
        Set<Path> changed = new HashSet<>();
        boolean full = false;
        for (WatchEvent<?> ev : key.pollEvents()) {
          if (ev.kind() == OVERFLOW || !(ev.context() instanceof Path rel)) {
            full = true;
            continue;
          }
          Path p = base.resolve(rel);
          String n = rel.getFileName().toString();
          // Kubernetes' atomic writer swaps "..data" symlinks and directories: only a rescan sees that.
          if (n.startsWith("..") || Files.isDirectory(p)) full = true;
          else if (!n.startsWith(".")) changed.add(p); // hidden: editors' and our writers' temporary files
        }
        key.reset();
        boolean rescanAll = full;
        executor.execute(() -> {
          if (rescanAll) {
            try {
              registerAll(); // new subdirectories
            } catch (IOException ignored) {
              // the rescan still sees them
            }
            rescan();
          } else {
            refresh(changed);
          }
        });
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
    }
  }

  /**
   * Re-reads only the files a watch event named (an edit of one file among thousands costs one read and
   * one parse, not a rescan of the directory); the periodic rescan remains the safety net.
   */
  private void refresh(Set<Path> changed) {
    if (closed || changed.isEmpty()) return;
    try {
      Map<Path, String> contents = new TreeMap<>(lastContents);
      List<ValidationMessage> errors = new ArrayList<>();
      for (Path p : changed) {
        if (!p.startsWith(dir)) continue;
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException gone) {
          contents.keySet().removeIf(k -> k.startsWith(p)); // a file, or a directory with its files
          continue;
        }
        if (!isConfigFile(dir.relativize(p), a) || dir.relativize(p).getNameCount() > 16) {
          contents.remove(p);
          continue;
        }
        try {
          contents.put(p, Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
          errors.add(ValidationMessage.error(Codes.YAML_SYNTAX, null, new Origin(dir.relativize(p).toString(), 0), "cannot read: " + e.getMessage()));
        }
      }
      if (!errors.isEmpty()) {
        rescan(); // report unreadable files as a rescan would
        return;
      }
      if (contents.equals(lastContents)) return;
      lastContents = contents;
      listener.accept(build(contents, new ArrayList<>(lastErrors)));
    } catch (RuntimeException e) {
      LOG.warn("refresh of {} failed: {}", dir, e.toString());
    }
  }

  private void rescan() {
    if (closed) return;
    try {
      Map<Path, String> contents = new TreeMap<>();
      List<ValidationMessage> errors = new ArrayList<>();
      try (Stream<Path> s = Files.find(dir, 16, (p, a) -> isConfigFile(dir.relativize(p), a))) {
        for (Path p : (Iterable<Path>) s::iterator) {
          try {
            contents.put(p, Files.readString(p, StandardCharsets.UTF_8));
          } catch (IOException e) {
            errors.add(ValidationMessage.error(Codes.YAML_SYNTAX, null, new Origin(dir.relativize(p).toString(), 0), "cannot read: " + e.getMessage()));
          }
        }
      }
      if (contents.equals(lastContents) && errors.isEmpty() && lastErrors.isEmpty()) return;
      lastContents = contents;
      lastErrors = errors;
      listener.accept(build(contents, errors));
    } catch (IOException | RuntimeException e) {
      LOG.warn("rescan of {} failed: {}", dir, e.toString());
    }
  }

  /** What parsing one file's content gave, at order base 0 (re-based on each build, see below). */
  private record Parsed(String content, ConfigParser.Result result) {}

  private MeshSnapshot build(Map<Path, String> contents, List<ValidationMessage> errors) {
    List<ConfigResource> configs = new ArrayList<>();
    List<TlsSecret> secrets = new ArrayList<>();
    Map<Path, Parsed> nextParsed = new HashMap<>();
    long fileIdx = 0;
    for (var e : contents.entrySet()) {
      String name = dir.relativize(e.getKey()).toString();
      Parsed p = parsed.get(e.getKey());
      // Unchanged files keep their parsed objects: parsing thousands of files per edit was most of a
      // push's latency, and the same objects let PushContext reuse what it derived from them.
      if (p == null || !p.content().equals(e.getValue())) p = new Parsed(e.getValue(), ConfigParser.parse(name, e.getValue(), 0));
      nextParsed.put(e.getKey(), p);
      long base = ++fileIdx * 1_000_000L;
      for (ConfigResource r : p.result().configs()) configs.add(new ConfigResource(r.key(), r.resource(), r.origin(), base + r.order()));
      secrets.addAll(p.result().secrets());
      errors.addAll(p.result().errors());
    }
    parsed = nextParsed;
    return new MeshSnapshot(configs, secrets, List.of(), List.of(), errors);
  }

  private static boolean isConfigFile(Path p, BasicFileAttributes a) {
    if (!a.isRegularFile() && !a.isSymbolicLink()) return false;
    // Hidden components are skipped: Kubernetes ConfigMap mounts keep the real files under "..<timestamp>/"
    // and expose them through symlinks, which would otherwise be read twice.
    for (Path part : p) if (part.toString().startsWith(".")) return false;
    String n = p.getFileName().toString();
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
