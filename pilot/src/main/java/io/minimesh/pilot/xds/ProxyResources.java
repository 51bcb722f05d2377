package io.minimesh.pilot.xds;

import io.minimesh.api.xds.TypeUrls;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Everything generated for one proxy: resources by type URL and name, and a content version per type. */
public final class ProxyResources {
  private final Map<String, SortedMap<String, Resource>> byType;
  private final Map<String, String> versions;
  private final Map<String, byte[]> serialized = new java.util.concurrent.ConcurrentHashMap<>();

  ProxyResources(Map<String, SortedMap<String, Resource>> byType) {
    Map<String, SortedMap<String, Resource>> m = new TreeMap<>();
    Map<String, String> v = new TreeMap<>();
    for (String t : TypeUrls.PUSH_ORDER) {
      SortedMap<String, Resource> r = Collections.unmodifiableSortedMap(new TreeMap<>(byType.getOrDefault(t, new TreeMap<>())));
      m.put(t, r);
      v.put(t, version(r));
    }
    this.byType = Collections.unmodifiableMap(m);
    this.versions = Collections.unmodifiableMap(v);
  }

  private ProxyResources(Map<String, SortedMap<String, Resource>> byType, Map<String, String> versions) {
    this.byType = Collections.unmodifiableMap(byType);
    this.versions = Collections.unmodifiableMap(versions);
  }

  private static String version(SortedMap<String, Resource> r) {
    StringBuilder sb = new StringBuilder();
    r.forEach((n, res) -> sb.append(n).append('=').append(res.hash()).append(';'));
    return Resource.sha(sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The same resources with those of one type replaced (the others and their versions are kept). */
  ProxyResources with(String typeUrl, SortedMap<String, Resource> resources) {
    Map<String, SortedMap<String, Resource>> m = new TreeMap<>(byType);
    Map<String, String> v = new TreeMap<>(versions);
    SortedMap<String, Resource> r = Collections.unmodifiableSortedMap(new TreeMap<>(resources));
    m.put(typeUrl, r);
    v.put(typeUrl, version(r));
    return new ProxyResources(m, v);
  }

  /**
   * All resources of the type, serialized as the {@code resources} of a DiscoveryResponse: built once and
   * shared by every proxy with this config (the replicas of a workload) instead of encoded per stream.
   */
  public byte[] serialized(String typeUrl) {
    return serialized.computeIfAbsent(typeUrl, t -> Resource.concat(of(t).values()));
  }

  public SortedMap<String, Resource> of(String typeUrl) {
    return byType.getOrDefault(typeUrl, Collections.emptySortedMap());
  }

  /** Content hash of all resources of the type: equal versions mean nothing to push. */
  public String version(String typeUrl) {
    return versions.get(typeUrl);
  }
}
