package io.minimesh.dataplane.tls;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.minimesh.dataplane.listener.ListenerChain;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The admin API's /certs: Envoy's shape, one entry per TLS context in use (listeners, then clusters). */
public final class CertsJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private CertsJson() {}

  public static String render(RuntimeState st, Instant now) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode certs = root.putArray("certificates");
    Set<String> seen = new LinkedHashSet<>();
    for (var l : st.listeners.values()) {
      List<ListenerChain> chains = new ArrayList<>(l.chains().chains());
      if (l.chains().defaultChain() != null) chains.add(l.chains().defaultChain());
      for (ListenerChain c : chains) {
        if (c.tls() != null && c.tls().ready()) add(certs, seen, c.tls().cas(), c.tls().certs(), now);
      }
    }
    for (ClusterRuntime c : st.clusters.values()) {
      UpstreamTls t = c.tls();
      if (t != null && t.ready()) add(certs, seen, t.cas(), t.certs(), now);
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void add(ArrayNode out, Set<String> seen, List<CertInfo> cas, List<CertInfo> chain, Instant now) {
    String key = cas.stream().map(CertInfo::serialHex).toList() + "|" + chain.stream().map(CertInfo::serialHex).toList();
    if (!seen.add(key)) return;
    ObjectNode e = out.addObject();
    ArrayNode ca = e.putArray("ca_cert");
    cas.forEach(c -> cert(ca.addObject(), c, now));
    ArrayNode cc = e.putArray("cert_chain");
    chain.forEach(c -> cert(cc.addObject(), c, now));
  }

  private static void cert(ObjectNode o, CertInfo c, Instant now) {
    o.put("path", c.source());
    o.put("serial_number", c.serialHex());
    ArrayNode sans = o.putArray("subject_alt_names");
    c.dnsSans().forEach(d -> sans.addObject().put("dns", d));
    c.uriSans().forEach(u -> sans.addObject().put("uri", u));
    o.put("days_until_expiration", String.valueOf(Math.max(0, Duration.between(now, c.notAfter()).toDays())));
    o.put("valid_from", c.notBefore().toString());
    o.put("expiration_time", c.notAfter().toString());
    o.put("subject", c.subject());
  }
}
