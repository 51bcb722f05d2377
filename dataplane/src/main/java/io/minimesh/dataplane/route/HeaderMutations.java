package io.minimesh.dataplane.route;

import io.minimesh.api.xds.v1.HeaderValueOption;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/** Compiled header add/remove lists of one config level (route config, virtual host, route, weighted cluster). */
public final class HeaderMutations {
  public static final HeaderMutations NONE = new HeaderMutations(List.of(), List.of());

  private record Add(String name, String value, boolean append) {}

  private final List<Add> adds;
  private final List<String> removes;

  private HeaderMutations(List<Add> adds, List<String> removes) {
    this.adds = adds;
    this.removes = removes;
  }

  static HeaderMutations of(List<HeaderValueOption> adds, List<String> removes) {
    if (adds.isEmpty() && removes.isEmpty()) return NONE;
    List<Add> a = new ArrayList<>();
    for (HeaderValueOption o : adds) {
      a.add(new Add(o.getHeader().getKey().toLowerCase(), o.getHeader().getValue(), o.getAppend()));
    }
    List<String> r = removes.stream().map(String::toLowerCase).toList();
    return new HeaderMutations(List.copyOf(a), r);
  }

  /** Removes first, then adds (Envoy applies removals before additions). */
  public void apply(HttpHeaders headers) {
    for (String r : removes) headers.remove(r);
    for (Add a : adds) {
      if (a.append) headers.add(a.name, a.value);
      else headers.set(a.name, a.value);
    }
  }

  public boolean isEmpty() {
    return adds.isEmpty() && removes.isEmpty();
  }
}
