package io.minimesh.pilot.xds;

import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.Hosts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The first VirtualService (in a scope's order) whose hosts cover a service host, without scanning every
 * VirtualService for every service: concrete hosts by name, wildcard hosts in order.
 */
final class VirtualServiceIndex {
  private final List<ConfigResource> virtualServices;
  private final Map<String, Integer> firstByHost = new HashMap<>();
  private final List<Integer> wildcards = new ArrayList<>();
  private final List<String> wildcardHosts = new ArrayList<>();

  VirtualServiceIndex(List<ConfigResource> virtualServices) {
    this.virtualServices = virtualServices;
    for (int i = 0; i < virtualServices.size(); i++) {
      for (String h : RouteBuilder.hosts(virtualServices.get(i))) {
        if (h.startsWith("*")) {
          wildcards.add(i);
          wildcardHosts.add(h);
        } else {
          firstByHost.putIfAbsent(h, i);
        }
      }
    }
  }

  /** The first VirtualService with a host covering {@code host}, or null. */
  ConfigResource firstCovering(String host) {
    int best = firstByHost.getOrDefault(host, Integer.MAX_VALUE);
    for (int w = 0; w < wildcards.size(); w++) {
      int i = wildcards.get(w);
      if (i >= best) break; // in order: no later wildcard can win
      if (Hosts.covers(wildcardHosts.get(w), host)) {
        best = i;
        break;
      }
    }
    return best == Integer.MAX_VALUE ? null : virtualServices.get(best);
  }
}
