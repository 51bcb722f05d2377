package io.minimesh.pilot.xds;

import io.minimesh.pilot.model.PushContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * Generates the configs of many proxies at once, one task per distinct {@link Proxy#cacheKey()} on a
 * fork-join pool, so a push uses every core instead of the single xDS thread. The results land in the
 * context's memo cache, where the per-connection push then finds them; failures are left for that push
 * to meet again and report.
 */
public final class Pregenerator {
  private final ForkJoinPool pool;

  public Pregenerator(ForkJoinPool pool) {
    this.pool = pool;
  }

  /** Returns once every distinct proxy's config is in {@code ctx}'s cache (or failed). */
  public void generateAll(PushContext ctx, Collection<Proxy> proxies) {
    Map<Object, Proxy> distinct = new LinkedHashMap<>();
    for (Proxy p : proxies) distinct.putIfAbsent(p.cacheKey(), p);
    if (distinct.size() < 2) return; // nothing to share out
    List<ForkJoinTask<?>> tasks = new ArrayList<>();
    try {
      for (Proxy p : distinct.values()) {
        tasks.add(pool.submit(() -> {
          try {
            ConfigGenerator.generate(ctx, p);
          } catch (RuntimeException e) {
            // reported by the push that generates it again
          }
        }));
      }
    } catch (RejectedExecutionException e) {
      // shutting down: the push generates what is missing itself
    }
    for (ForkJoinTask<?> t : tasks) t.join();
  }
}
