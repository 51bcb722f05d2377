package io.minimesh.pilot.xds;

import io.minimesh.api.istio.VirtualServiceSpec;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.model.PushContext;
import java.util.List;

/**
 * Cache-key part for a sidecar's per-port route configuration: what it is built from besides port and
 * namespace. The scope depends on the proxy only through the Sidecar resource selected, and routes read
 * the proxy's labels only for http match {@code sourceLabels}; without any in the mesh, every workload of
 * a namespace under the same Sidecar shares one route configuration (1000 virtual hosts at scale) instead
 * of building and hashing its own.
 */
final class SidecarRouteKey {
  static Object of(PushContext ctx, Proxy proxy, SidecarScope scope) {
    Object sidecar = scope.sidecar() == null ? "" : scope.sidecar().key();
    boolean labelsMatter = ctx.cached(List.of("http-source-labels"), () -> anySourceLabels(ctx.virtualServices()));
    return labelsMatter ? List.of(sidecar, proxy.labels()) : List.of(sidecar);
  }

  private static boolean anySourceLabels(List<ConfigResource> virtualServices) {
    for (ConfigResource v : virtualServices) {
      VirtualServiceSpec vs = v.spec(VirtualServiceSpec.class);
      if (vs.http == null) continue;
      for (var r : vs.http) {
        if (r.match == null) continue;
        for (var m : r.match) if (m != null && m.sourceLabels != null && !m.sourceLabels.isEmpty()) return true;
      }
    }
    return false;
  }

  private SidecarRouteKey() {}
}
