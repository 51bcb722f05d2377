package io.minimesh.dataplane.config;

import com.google.protobuf.Message;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.Cluster;
import io.minimesh.api.xds.v1.ClusterLoadAssignment;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.Secret;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The complete configuration a proxy runs, as xDS resources: static resources from the
 * bootstrap plus whatever arrived over xDS. Immutable; an update builds a new snapshot and hands
 * it to a {@link ConfigApplier}, which validates all of it before swapping anything.
 *
 * <p>Maps are keyed by resource name and keep insertion order (listener order matters for
 * views only; routing never depends on map order).
 */
public record ConfigSnapshot(
    Bootstrap bootstrap,
    Map<String, Resource<Listener>> listeners,
    Map<String, Resource<RouteConfiguration>> routes,
    Map<String, Resource<Cluster>> clusters,
    Map<String, Resource<ClusterLoadAssignment>> endpoints,
    Map<String, Resource<Secret>> secrets) {

  /** One resource with the version it arrived in and when it was applied. */
  public record Resource<T extends Message>(T value, String version, Instant lastUpdated, boolean isStatic) {
    public Resource {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(lastUpdated, "lastUpdated");
    }
  }

  public ConfigSnapshot {
    Objects.requireNonNull(bootstrap, "bootstrap");
    listeners = Map.copyOf(listeners);
    routes = Map.copyOf(routes);
    clusters = Map.copyOf(clusters);
    endpoints = Map.copyOf(endpoints);
    secrets = Map.copyOf(secrets);
  }

  /** The snapshot of a proxy started from a bootstrap: its static resources, version "static". */
  public static ConfigSnapshot fromBootstrap(Bootstrap bootstrap, Instant now) {
    var sr = bootstrap.getStaticResources();
    Map<String, Resource<Listener>> l = new LinkedHashMap<>();
    sr.getListenersList().forEach(x -> l.put(x.getName(), new Resource<>(x, "static", now, true)));
    Map<String, Resource<Cluster>> c = new LinkedHashMap<>();
    sr.getClustersList().forEach(x -> c.put(x.getName(), new Resource<>(x, "static", now, true)));
    Map<String, Resource<Secret>> s = new LinkedHashMap<>();
    sr.getSecretsList().forEach(x -> s.put(x.getName(), new Resource<>(x, "static", now, true)));
    return new ConfigSnapshot(bootstrap, l, Map.of(), c, Map.of(), s);
  }

  public ConfigSnapshot withListeners(Map<String, Resource<Listener>> v) {
    return new ConfigSnapshot(bootstrap, v, routes, clusters, endpoints, secrets);
  }

  public ConfigSnapshot withRoutes(Map<String, Resource<RouteConfiguration>> v) {
    return new ConfigSnapshot(bootstrap, listeners, v, clusters, endpoints, secrets);
  }

  public ConfigSnapshot withClusters(Map<String, Resource<Cluster>> v) {
    return new ConfigSnapshot(bootstrap, listeners, routes, v, endpoints, secrets);
  }

  public ConfigSnapshot withEndpoints(Map<String, Resource<ClusterLoadAssignment>> v) {
    return new ConfigSnapshot(bootstrap, listeners, routes, clusters, v, secrets);
  }

  public ConfigSnapshot withSecrets(Map<String, Resource<Secret>> v) {
    return new ConfigSnapshot(bootstrap, listeners, routes, clusters, endpoints, v);
  }
}
