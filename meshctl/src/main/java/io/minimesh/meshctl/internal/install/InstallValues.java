package io.minimesh.meshctl.internal.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The install options as an IstioOperator {@code spec} tree: a profile, then overlay files, then {@code --set}
 * paths, each merged over the previous. Immutable once built.
 */
public final class InstallValues {
  public static final List<String> PROFILES = List.of("default", "demo", "minimal");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern SEGMENT = Pattern.compile("([^.\\[\\]]+)((?:\\[\\d+\\])*)");
  private static final Pattern INDEX = Pattern.compile("\\[(\\d+)\\]");

  private final ObjectNode spec;

  private InstallValues(ObjectNode spec) {
    this.spec = spec;
  }

  /** The profile's spec, the overlays' specs merged over it, then {@code key=value} settings. */
  public static InstallValues of(String profile, List<String> overlays, List<String> settings) {
    String p = profile == null ? "default" : profile;
    if (!PROFILES.contains(p)) {
      throw new IllegalArgumentException("unknown profile \"" + p + "\" (known: " + String.join(", ", PROFILES) + ")");
    }
    ObjectNode spec = profileSpec("default");
    if (!p.equals("default")) merge(spec, profileSpec(p));
    for (String o : overlays) merge(spec, overlaySpec(o));
    for (String s : settings) set(spec, s);
    spec.put("profile", p);
    return new InstallValues(spec);
  }

  public static InstallValues of(String profile) {
    return of(profile, List.of(), List.of());
  }

  /** The merged spec (a copy). */
  public ObjectNode spec() {
    return spec.deepCopy();
  }

  public String profile() {
    return spec.path("profile").asText();
  }

  /** The value at a dotted path ({@code values.global.hub}), or missing. */
  public JsonNode at(String path) {
    JsonNode n = spec;
    for (String part : path.split("\\.")) n = n.path(part);
    return n;
  }

  public String text(String path) {
    JsonNode n = at(path);
    return n.isMissingNode() || n.isNull() ? "" : n.asText();
  }

  public boolean enabled(String path) {
    JsonNode n = at(path);
    return n.isMissingNode() || n.asBoolean(true) && !"false".equals(n.asText());
  }

  private static ObjectNode profileSpec(String name) {
    String res = "/io/minimesh/meshctl/install/profiles/" + name + ".yaml";
    try (InputStream in = InstallValues.class.getResourceAsStream(res)) {
      if (in == null) throw new IllegalStateException("missing resource " + res);
      return (ObjectNode) YAML.readTree(in).path("spec");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An IstioOperator document (its spec is merged) or a bare spec. */
  private static ObjectNode overlaySpec(String yaml) {
    JsonNode n;
    try {
      n = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot parse install overlay: " + e.getMessage().split("\n")[0]);
    }
    if (n == null || !n.isObject()) throw new IllegalArgumentException("install overlay is not a YAML mapping");
    if (n.has("kind")) {
      if (!"IstioOperator".equals(n.path("kind").asText())) {
        throw new IllegalArgumentException("install overlay: kind must be IstioOperator, got \"" + n.path("kind").asText() + "\"");
      }
      n = n.path("spec");
      if (!n.isObject()) throw new IllegalArgumentException("install overlay: spec is required");
    }
    return (ObjectNode) n;
  }

  /**
   * Deep merge: mappings merge key by key, {@code components.ingressGateways} merges by {@code name} (so an
   * overlay can change or disable the default gateway and add others), any other list is replaced.
   */
  static void merge(ObjectNode base, ObjectNode over) {
    for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode old = base.get(e.getKey());
      JsonNode v = e.getValue();
      if (old instanceof ObjectNode o && v instanceof ObjectNode n) {
        merge(o, n);
      } else if (old instanceof ArrayNode oa && v instanceof ArrayNode na && isNamedList(oa, na)) {
        mergeByName(oa, na);
      } else {
        base.set(e.getKey(), v.deepCopy());
      }
    }
  }

  private static boolean isNamedList(ArrayNode a, ArrayNode b) {
    for (JsonNode n : a) if (!n.path("name").isTextual()) return false;
    for (JsonNode n : b) if (!n.path("name").isTextual()) return false;
    return !a.isEmpty();
  }

  private static void mergeByName(ArrayNode base, ArrayNode over) {
    outer:
    for (JsonNode n : over) {
      for (JsonNode o : base) {
        if (o.path("name").asText().equals(n.path("name").asText())) {
          merge((ObjectNode) o, (ObjectNode) n);
          continue outer;
        }
      }
      base.add(n.deepCopy());
    }
  }

  /** Applies {@code a.b[0].c=value}; true/false/integers become typed, like istioctl's --set. */
  static void set(ObjectNode spec, String setting) {
    int eq = setting.indexOf('=');
    if (eq <= 0) throw new IllegalArgumentException("--set " + setting + ": want key=value");
    String path = setting.substring(0, eq).trim();
    String raw = setting.substring(eq + 1);
    if (path.startsWith("spec.")) path = path.substring(5);
    String[] parts = path.split("\\.(?![^\\[]*\\])");
    JsonNode cur = spec;
    for (int i = 0; i < parts.length; i++) {
      Matcher m = SEGMENT.matcher(parts[i]);
      if (!m.matches()) throw new IllegalArgumentException("--set " + setting + ": bad path element \"" + parts[i] + "\"");
      boolean last = i == parts.length - 1;
      String key = m.group(1);
      ObjectNode obj = (ObjectNode) cur;
      Matcher idx = INDEX.matcher(m.group(2));
      if (!idx.find()) {
        if (last) {
          obj.set(key, scalar(raw));
        } else {
          JsonNode next = obj.get(key);
          if (!(next instanceof ObjectNode)) {
            next = obj.putObject(key);
          }
          cur = next;
        }
        continue;
      }
      JsonNode arr = obj.get(key);
      if (!(arr instanceof ArrayNode)) arr = obj.putArray(key);
      int index = Integer.parseInt(idx.group(1));
      ArrayNode a = (ArrayNode) arr;
      if (index > a.size()) {
        throw new IllegalArgumentException("--set " + setting + ": index " + index + " skips elements (" + key + " has " + a.size() + ")");
      }
      if (last) {
        if (index == a.size()) a.add(scalar(raw));
        else a.set(index, scalar(raw));
      } else {
        if (index == a.size()) a.addObject();
        if (!(a.get(index) instanceof ObjectNode)) a.set(index, JsonNodeFactory.instance.objectNode());
        cur = a.get(index);
      }
    }
  }

  private static JsonNode scalar(String raw) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (raw.equals("true") || raw.equals("false")) return f.booleanNode(Boolean.parseBoolean(raw));
    if (raw.matches("-?[0-9]{1,9}")) return f.numberNode(Integer.parseInt(raw));
    return f.textNode(raw);
  }
}
