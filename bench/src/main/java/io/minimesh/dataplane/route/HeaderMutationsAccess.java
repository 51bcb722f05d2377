package io.minimesh.dataplane.route;

import io.minimesh.api.xds.v1.HeaderValueOption;
import java.util.List;

/** Lets benchmarks in other packages build the proxy's compiled header mutations. */
public final class HeaderMutationsAccess {
  private HeaderMutationsAccess() {}

  public static HeaderMutations of(List<HeaderValueOption> adds, List<String> removes) {
    return HeaderMutations.of(adds, removes);
  }
}
