package io.minimesh.pilot;

import io.minimesh.api.xds.v1.Locality;
import io.minimesh.api.xds.v1.Node;
import io.minimesh.api.xds.v1.ProxyType;
import io.minimesh.pilot.config.ConfigParser;
import io.minimesh.pilot.config.ConfigResource;
import io.minimesh.pilot.config.MeshSnapshot;
import io.minimesh.pilot.config.TlsSecret;
import io.minimesh.pilot.model.PushContext;
import io.minimesh.pilot.validation.ValidationMessage;
import io.minimesh.pilot.xds.Proxy;
import io.minimesh.testing.TestCerts;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Test inputs: the YAML cases under src/test/resources/testdata and typical proxies. */
public final class TestData {
  public static Path dir(String name) {
    try {
      return Path.of(TestData.class.getResource("/testdata/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static MeshSnapshot snapshot(String... yamls) {
    List<ConfigResource> configs = new ArrayList<>();
    List<TlsSecret> secrets = new ArrayList<>();
    List<ValidationMessage> errors = new ArrayList<>();
    int i = 0;
    for (String y : yamls) {
      var r = ConfigParser.parse("test" + (i++) + ".yaml", y, i * 1_000_000L);
      configs.addAll(r.configs());
      secrets.addAll(r.secrets());
      errors.addAll(r.errors());
    }
    return new MeshSnapshot(configs, secrets, List.of(), List.of(), errors);
  }

  /** The CA that signs every certificate of generated secrets (one per test JVM). */
  public static final TestCerts.Ca CA = TestCerts.ca("minimesh-test-ca");

  /** A kubernetes.io/tls Secret with a fresh certificate for the DNS names, signed by {@link #CA}. */
  public static String tlsSecret(String ns, String name, boolean withCa, String... dnsNames) {
    TestCerts.Pair p = CA.server(dnsNames);
    StringBuilder y = new StringBuilder("apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {name: " + name
        + ", namespace: " + ns + "}\nstringData:\n");
    y.append("  tls.crt: |\n").append(indent(p.certPem()));
    y.append("  tls.key: |\n").append(indent(p.keyPem()));
    if (withCa) y.append("  ca.crt: |\n").append(indent(CA.certPem()));
    return y.toString();
  }

  private static String indent(String pem) {
    StringBuilder b = new StringBuilder();
    for (String l : pem.strip().split("\n")) b.append("    ").append(l).append('\n');
    return b.toString();
  }

  public static MeshSnapshot snapshotOfDir(String name) {
    try (Stream<Path> s = Files.list(dir(name))) {
      List<String> texts = new ArrayList<>();
      for (Path p : s.sorted().toList()) {
        if (p.getFileName().toString().equals("secrets.txt")) {
          for (String line : Files.readAllLines(p)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.trim().split("\\s+");
            texts.add(tlsSecret(f[0], f[1], f.length > 3 && f[3].equals("ca"), f[2].split(",")));
          }
        } else {
          texts.add(Files.readString(p));
        }
      }
      return snapshot(texts.toArray(String[]::new));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static PushContext context(String name) {
    return PushContext.build(snapshotOfDir(name));
  }

  public static Proxy gateway() {
    return gateway(Map.of());
  }

  public static Proxy gateway(Map<String, String> metadata) {
    return Proxy.fromNode(Node.newBuilder().setId("istio-ingressgateway-1.istio-system").setNamespace("istio-system")
        .setProxyType(ProxyType.ROUTER).putLabels("istio", "ingressgateway").putLabels("app", "istio-ingressgateway")
        .addIpAddresses("10.9.9.9").putAllMetadata(metadata).build());
  }

  public static Proxy sidecar(String id, String ns, String ip, Map<String, String> labels) {
    return Proxy.fromNode(Node.newBuilder().setId(id + "." + ns).setNamespace(ns).setProxyType(ProxyType.SIDECAR)
        .putAllLabels(labels).addIpAddresses(ip)
        .setLocality(Locality.newBuilder().setRegion("us-east").setZone("zone-a")).build());
  }

  /** A sidecar of the local mode: its own loopback address, sent by pilot-agent as bind_ip. */
  public static Proxy localSidecar(String id, String ns, String ip, Map<String, String> labels) {
    return Proxy.fromNode(Node.newBuilder().setId(id + "." + ns).setNamespace(ns).setProxyType(ProxyType.SIDECAR)
        .putAllLabels(labels).addIpAddresses(ip).putMetadata("bind_ip", ip).build());
  }

  private TestData() {}
}
