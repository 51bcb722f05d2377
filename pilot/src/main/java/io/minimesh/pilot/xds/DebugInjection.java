package io.minimesh.pilot.xds;

import io.minimesh.api.xds.v1.RegexMatcher;
import io.minimesh.api.xds.v1.Route;
import io.minimesh.api.xds.v1.RouteConfiguration;
import io.minimesh.api.xds.v1.VirtualHost;

/**
 * Test hook, off unless pilot runs with {@code PILOT_DEBUG_INJECT_INVALID=RDS}: pilot validates
 * everything it pushes, so to prove the NACK path end to end (a proxy rejecting an update keeps its
 * last good config, and sync status shows its error) pilot can be told to break a route on purpose.
 * Routes whose name starts with {@value #MARKER} (VirtualService {@code http[].name}) then get a regex
 * no engine compiles. Never set it in production.
 */
final class DebugInjection {
  static final String ENV = "PILOT_DEBUG_INJECT_INVALID";
  static final String MARKER = "debug-inject-invalid";
  private static final boolean RDS = "RDS".equalsIgnoreCase(System.getenv(ENV));

  static boolean enabled() {
    return RDS;
  }

  static RouteConfiguration apply(RouteConfiguration rc) {
    RouteConfiguration.Builder b = null;
    for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
      VirtualHost v = rc.getVirtualHosts(i);
      for (int j = 0; j < v.getRoutesCount(); j++) {
        Route r = v.getRoutes(j);
        if (!r.getName().startsWith(MARKER)) continue;
        if (b == null) b = rc.toBuilder();
        b.getVirtualHostsBuilder(i).setRoutes(j, r.toBuilder()
            .setMatch(r.getMatch().toBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("(unclosed"))));
      }
    }
    return b == null ? rc : b.build();
  }

  private DebugInjection() {}
}
