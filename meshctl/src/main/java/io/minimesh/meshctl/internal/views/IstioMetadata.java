package io.minimesh.meshctl.internal.views;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.minimesh.api.xds.v1.Metadata;

/** Istio's provenance metadata: filter_metadata["istio"]["config"] = "/apis/…/namespaces/NS/kind/NAME". */
final class IstioMetadata {
  /** "name.namespace" of the Istio resource that produced this config, or "" when none is recorded. */
  static String configName(Metadata m) {
    Struct istio = m.getFilterMetadataMap().get("istio");
    if (istio == null) {
      return "";
    }
    Value v = istio.getFieldsMap().get("config");
    if (v == null || v.getKindCase() != Value.KindCase.STRING_VALUE) {
      return "";
    }
    return nameFromPath(v.getStringValue());
  }

  static String nameFromPath(String path) {
    String[] parts = path.split("/");
    String ns = "";
    for (int i = 0; i + 1 < parts.length; i++) {
      if (parts[i].equals("namespaces")) {
        ns = parts[i + 1];
      }
    }
    String name = parts.length == 0 ? "" : parts[parts.length - 1];
    if (name.isEmpty()) {
      return "";
    }
    return ns.isEmpty() ? name : name + "." + ns;
  }

  private IstioMetadata() {}
}
