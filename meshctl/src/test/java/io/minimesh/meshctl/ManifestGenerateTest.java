package io.minimesh.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestGenerateTest {
  @ParameterizedTest
  @ValueSource(strings = {"default", "demo", "minimal"})
  void goldenPerProfile(String profile) {
    Cli.Result r = Cli.run("manifest", "generate", "--profile", profile, "--set", "values.global.tag=test");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Golden.assertMatches("install/manifest-" + profile + ".yaml", r.out());
  }

  /** Every document is a typed Fabric8 model object, and no field of it fell into additionalProperties. */
  @ParameterizedTest
  @ValueSource(strings = {"default", "demo", "minimal"})
  void everyDocumentParsesStrictlyIntoFabric8Models(String profile) throws Exception {
    Cli.Result r = Cli.run("manifest", "generate", "--profile", profile);
    List<String> docs = new ArrayList<>();
    for (String d : r.out().split("(?m)^---\\n")) if (!d.isBlank()) docs.add(d);
    assertThat(docs).hasSizeGreaterThan(10);
    for (String d : docs) {
      Object o = Serialization.unmarshal(d);
      assertThat(o).as(d).isInstanceOf(HasMetadata.class).isNotInstanceOf(GenericKubernetesResource.class);
      List<String> unknown = new ArrayList<>();
      walk(o, ((HasMetadata) o).getKind(), unknown, new IdentityHashMap<>());
      assertThat(unknown).as("unknown fields in %s %s", ((HasMetadata) o).getKind(), ((HasMetadata) o).getMetadata().getName()).isEmpty();
    }
  }

  @org.junit.jupiter.api.Test
  void theStrictCheckCatchesAnUnknownField() throws Exception {
    Object o = Serialization.unmarshal("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: 1, replica: 2}\n");
    List<String> unknown = new ArrayList<>();
    walk(o, "Deployment", unknown, new IdentityHashMap<>());
    assertThat(unknown).containsExactly("Deployment.Spec: [replica]");
  }

  private static void walk(Object o, String path, List<String> unknown, IdentityHashMap<Object, Boolean> seen) throws Exception {
    if (o == null || seen.put(o, true) != null) return;
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) walk(e, path + "[" + i++ + "]", unknown, seen);
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (var e : m.entrySet()) walk(e.getValue(), path + "." + e.getKey(), unknown, seen);
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) return;
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getName().equals("getClass")) continue;
      Object v = m.invoke(o);
      if (m.getName().equals("getAdditionalProperties")) {
        if (v instanceof Map<?, ?> extra && !extra.isEmpty()) unknown.add(path + ": " + extra.keySet());
        continue;
      }
      walk(v, path + "." + m.getName().substring(3), unknown, seen);
    }
  }
}
