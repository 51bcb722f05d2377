package io.minimesh.dataplane.tls;

import com.google.protobuf.ByteString;
import io.minimesh.api.xds.v1.CertificateValidationContext;
import io.minimesh.api.xds.v1.CommonTlsContext;
import io.minimesh.api.xds.v1.DataSource;
import io.minimesh.api.xds.v1.DownstreamTlsContext;
import io.minimesh.api.xds.v1.Secret;
import io.minimesh.api.xds.v1.StringMatcher;
import io.minimesh.api.xds.v1.TlsCertificate;
import io.minimesh.api.xds.v1.TlsParameters;
import io.minimesh.api.xds.v1.UpstreamTlsContext;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Netty SslContexts from TLS contexts and Secrets. Conscrypt (BoringSSL) is the provider
 * when its native library loads, the JDK's otherwise. Contexts are cached by their complete input
 * (context config plus certificate, key and CA bytes), so a config update that leaves a context's
 * inputs alone keeps the same SslContext, and a rotated Secret rebuilds only the contexts using it.
 */
public final class TlsContexts {
  private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
  private static final List<String> TLS13_SUITES =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
  private static final int CACHE_LIMIT = 1024;

  private final ConcurrentHashMap<ByteString, Object> cache = new ConcurrentHashMap<>();

  /**
   * Loaded on first use: extracting and loading BoringSSL's native library costs start-up time and
   * memory that a proxy without TLS never needs.
   */
  private static final class Native {
    static final Provider CONSCRYPT = loadConscrypt();

    static {
      log.info("TLS provider: {}", CONSCRYPT != null
          ? "Conscrypt " + CONSCRYPT.getVersionStr() : "JDK " + System.getProperty("java.version"));
    }
  }

  private static Provider loadConscrypt() {
    if (Boolean.getBoolean("minimesh.tls.jdk")) return null;
    try {
      if (org.conscrypt.Conscrypt.isAvailable()) return org.conscrypt.Conscrypt.newProvider();
    } catch (Throwable t) {
      log.debug("Conscrypt unavailable: {}", t.toString());
    }
    return null;
  }

  /** "Conscrypt" or "JDK". */
  public static String providerName() {
    return Native.CONSCRYPT != null ? "Conscrypt" : "JDK";
  }

  // ---------------------------------------------------------------- secrets

  /** Checks that a Secret's PEM parses; the message names the secret and field (the NACK text). */
  public static void validateSecret(Secret s) throws InvalidConfigException {
    String w = "Secret \"" + s.getName() + "\"";
    if (s.getName().isEmpty()) throw new InvalidConfigException("Secret: name: must not be empty");
    switch (s.getTypeCase()) {
      case TLS_CERTIFICATE -> {
        TlsCertificate c = s.getTlsCertificate();
        byte[] chain = read(c.getCertificateChain(), w + ": tls_certificate.certificate_chain");
        certs(chain, w + ": tls_certificate.certificate_chain");
        byte[] key = read(c.getPrivateKey(), w + ": tls_certificate.private_key");
        checkKey(chain, key, w + ": tls_certificate.private_key");
      }
      case VALIDATION_CONTEXT -> {
        byte[] ca = read(s.getValidationContext().getTrustedCa(), w + ": validation_context.trusted_ca");
        certs(ca, w + ": validation_context.trusted_ca");
      }
      default -> throw new InvalidConfigException(w + ": tls_certificate or validation_context is required");
    }
  }

  // ---------------------------------------------------------------- contexts

  private record KeyMaterial(byte[] chainPem, byte[] keyPem, List<X509Certificate> chain, String source) {}

  private record Validation(byte[] caPem, List<X509Certificate> cas, List<StringMatcher> sans, String source) {}

  /** Marker for a referenced SDS secret that has not arrived. */
  private static final class Missing extends Exception {
    final String name;

    Missing(String name) {
      super(name, null, false, false);
      this.name = name;
    }
  }

  public ServerTls server(DownstreamTlsContext d, Map<String, Secret> secrets, String w) throws InvalidConfigException {
    CommonTlsContext c = d.getCommonTlsContext();
    String cw = w + ".common_tls_context";
    try {
      KeyMaterial km = keyMaterial(c, secrets, cw);
      if (km == null) {
        throw new InvalidConfigException(cw + ": tls_certificates or tls_certificate_sds_secret_configs is required");
      }
      Validation v = validation(c, secrets, cw);
      if (d.getRequireClientCertificate() && v == null) {
        throw new InvalidConfigException(w + ".require_client_certificate: requires a validation_context with trusted_ca");
      }
      ByteString key = key("server", d.toByteString(), km, v);
      SslContext ctx = cached(key, () -> {
        SslContextBuilder b = SslContextBuilder.forServer(new ByteArrayInputStream(km.chainPem), new ByteArrayInputStream(km.keyPem));
        common(b, c, cw);
        if (v != null) {
          b.trustManager(new SanTrustManager(v.cas, matchers(v.sans, cw + ".validation_context.match_subject_alt_names")));
          b.clientAuth(d.getRequireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        return b;
      }, cw);
      return new ServerTls(ctx, null, infos(km.source, km.chain), v == null ? List.of() : infos(v.source, v.cas));
    } catch (Missing m) {
      return new ServerTls(null, m.name, List.of(), List.of());
    }
  }

  public UpstreamTls client(UpstreamTlsContext u, Map<String, Secret> secrets, String w) throws InvalidConfigException {
    return client(u, secrets, w, false);
  }

  /** {@code http2}: an HTTP/2 cluster offers ALPN "h2" when alpn_protocols is empty (a TLS server needs it to speak h2). */
  public UpstreamTls client(UpstreamTlsContext u, Map<String, Secret> secrets, String w, boolean http2)
      throws InvalidConfigException {
    if (http2 && u.getCommonTlsContext().getAlpnProtocolsCount() == 0) {
      u = u.toBuilder().setCommonTlsContext(u.getCommonTlsContext().toBuilder().addAlpnProtocols("h2")).build();
    }
    CommonTlsContext c = u.getCommonTlsContext();
    String cw = w + ".common_tls_context";
    try {
      KeyMaterial km = keyMaterial(c, secrets, cw);
      Validation v = validation(c, secrets, cw);
      ByteString key = key("client", u.toByteString(), km, v);
      SslContext ctx = cached(key, () -> {
        SslContextBuilder b = SslContextBuilder.forClient().endpointIdentificationAlgorithm(null);
        if (km != null) b.keyManager(new ByteArrayInputStream(km.chainPem), new ByteArrayInputStream(km.keyPem));
        common(b, c, cw);
        // Envoy verifies the upstream only when a validation context is configured.
        if (v != null) {
          b.trustManager(new SanTrustManager(v.cas, matchers(v.sans, cw + ".validation_context.match_subject_alt_names")));
        } else {
          b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        return b;
      }, cw);
      return new UpstreamTls(ctx, u.getSni(), null,
          km == null ? List.of() : infos(km.source, km.chain), v == null ? List.of() : infos(v.source, v.cas));
    } catch (Missing m) {
      return new UpstreamTls(null, u.getSni(), m.name, List.of(), List.of());
    }
  }

  private interface BuilderFactory {
    SslContextBuilder make() throws InvalidConfigException;
  }

  private SslContext cached(ByteString key, BuilderFactory f, String w) throws InvalidConfigException {
    Object hit = cache.get(key);
    if (hit instanceof SslContext s) return s;
    SslContextBuilder b = f.make();
    b.sslProvider(SslProvider.JDK);
    if (Native.CONSCRYPT != null) b.sslContextProvider(Native.CONSCRYPT);
    SslContext ctx;
    try {
      ctx = b.build();
    } catch (SSLException | RuntimeException e) {
      throw new InvalidConfigException(w + ": cannot build TLS context: " + rootMessage(e), e);
    }
    if (cache.size() >= CACHE_LIMIT) cache.clear();
    cache.put(key, ctx);
    return ctx;
  }

  private static void common(SslContextBuilder b, CommonTlsContext c, String w) throws InvalidConfigException {
    TlsParameters p = c.getTlsParams();
    int min = p.getTlsMinimumProtocolVersion() == TlsParameters.TlsProtocol.TLS_AUTO ? 3 : p.getTlsMinimumProtocolVersionValue();
    int max = p.getTlsMaximumProtocolVersion() == TlsParameters.TlsProtocol.TLS_AUTO ? 4 : p.getTlsMaximumProtocolVersionValue();
    if (min > max) {
      throw new InvalidConfigException(w + ".tls_params: tls_minimum_protocol_version " + p.getTlsMinimumProtocolVersion()
          + " is above tls_maximum_protocol_version " + p.getTlsMaximumProtocolVersion());
    }
    List<String> protocols = new ArrayList<>();
    for (int v = max; v >= min; v--) protocols.add("TLSv1." + (v - 1));
    b.protocols(protocols);
    if (p.getCipherSuitesCount() > 0) {
      Set<String> suites = new LinkedHashSet<>();
      for (int i = 0; i < p.getCipherSuitesCount(); i++) {
        for (String s : CipherNames.expand(p.getCipherSuites(i))) {
          String java = CipherNames.toJava(s);
          if (java == null) {
            throw new InvalidConfigException(w + ".tls_params.cipher_suites[" + i + "]: unknown cipher suite \"" + s + "\"");
          }
          suites.add(java);
        }
      }
      // cipher_suites only governs TLS 1.2 and below (as in Envoy); TLS 1.3 keeps its suites.
      if (max >= 4) suites.addAll(TLS13_SUITES);
      b.ciphers(suites, SupportedCipherSuiteFilter.INSTANCE);
    }
    if (c.getAlpnProtocolsCount() > 0) {
      b.applicationProtocolConfig(new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          c.getAlpnProtocolsList()));
    }
  }

  private static KeyMaterial keyMaterial(CommonTlsContext c, Map<String, Secret> secrets, String w)
      throws InvalidConfigException, Missing {
    if (c.getTlsCertificatesCount() > 0) {
      TlsCertificate t = c.getTlsCertificates(0);
      String tw = w + ".tls_certificates[0]";
      byte[] chain = read(t.getCertificateChain(), tw + ".certificate_chain");
      byte[] key = read(t.getPrivateKey(), tw + ".private_key");
      return new KeyMaterial(chain, key, certs(chain, tw + ".certificate_chain"), source(t.getCertificateChain(), "<inline>"));
    }
    if (c.getTlsCertificateSdsSecretConfigsCount() > 0) {
      String name = c.getTlsCertificateSdsSecretConfigs(0).getName();
      Secret s = secrets.get(name);
      if (s == null) throw new Missing(name);
      if (!s.hasTlsCertificate()) {
        throw new InvalidConfigException(w + ".tls_certificate_sds_secret_configs[0]: Secret \"" + name + "\" has no tls_certificate");
      }
      String sw = "Secret \"" + name + "\": tls_certificate";
      byte[] chain = read(s.getTlsCertificate().getCertificateChain(), sw + ".certificate_chain");
      byte[] key = read(s.getTlsCertificate().getPrivateKey(), sw + ".private_key");
      return new KeyMaterial(chain, key, certs(chain, sw + ".certificate_chain"), name);
    }
    return null;
  }

  private static Validation validation(CommonTlsContext c, Map<String, Secret> secrets, String w)
      throws InvalidConfigException, Missing {
    CertificateValidationContext v;
    String source;
    String vw;
    if (c.hasValidationContext()) {
      v = c.getValidationContext();
      vw = w + ".validation_context";
      source = source(v.getTrustedCa(), "<inline>");
    } else if (c.hasValidationContextSdsSecretConfig()) {
      String name = c.getValidationContextSdsSecretConfig().getName();
      Secret s = secrets.get(name);
      if (s == null) throw new Missing(name);
      if (!s.hasValidationContext()) {
        throw new InvalidConfigException(w + ".validation_context_sds_secret_config: Secret \"" + name + "\" has no validation_context");
      }
      v = s.getValidationContext();
      vw = "Secret \"" + name + "\": validation_context";
      source = name;
    } else {
      return null;
    }
    if (!v.hasTrustedCa()) {
      // Only SAN matchers and no CA: nothing to verify a chain against.
      if (v.getMatchSubjectAltNamesCount() == 0) return null;
      throw new InvalidConfigException(vw + ".trusted_ca: required with match_subject_alt_names");
    }
    byte[] ca = read(v.getTrustedCa(), vw + ".trusted_ca");
    return new Validation(ca, certs(ca, vw + ".trusted_ca"), v.getMatchSubjectAltNamesList(), source);
  }

  private static ByteString key(String kind, ByteString config, KeyMaterial km, Validation v) {
    ByteString.Output out = ByteString.newOutput();
    try {
      out.write(kind.getBytes(StandardCharsets.UTF_8));
      config.writeTo(out);
      if (km != null) {
        out.write(km.chainPem);
        out.write(0);
        out.write(km.keyPem);
      }
      out.write(1);
      if (v != null) out.write(v.caPem);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteString();
  }

  static byte[] read(DataSource d, String w) throws InvalidConfigException {
    return switch (d.getSpecifierCase()) {
      case FILENAME -> {
        try {
          yield Files.readAllBytes(Path.of(d.getFilename()));
        } catch (IOException | RuntimeException e) {
          throw new InvalidConfigException(w + ".filename: cannot read \"" + d.getFilename() + "\": " + e.getMessage());
        }
      }
      case INLINE_BYTES -> d.getInlineBytes().toByteArray();
      case INLINE_STRING -> d.getInlineString().getBytes(StandardCharsets.UTF_8);
      default -> throw new InvalidConfigException(w + ": filename, inline_string or inline_bytes is required");
    };
  }

  private static String source(DataSource d, String inline) {
    return d.getSpecifierCase() == DataSource.SpecifierCase.FILENAME ? d.getFilename() : inline;
  }

  static List<X509Certificate> certs(byte[] pem, String w) throws InvalidConfigException {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) throw new InvalidConfigException(w + ": no PEM certificate found");
      return out;
    } catch (CertificateException e) {
      throw new InvalidConfigException(w + ": invalid PEM certificate: " + rootMessage(e));
    }
  }

  private static void checkKey(byte[] chain, byte[] key, String w) throws InvalidConfigException {
    String s = new String(key, StandardCharsets.US_ASCII);
    if (!s.contains("-----BEGIN") || !s.contains("PRIVATE KEY-----")) {
      throw new InvalidConfigException(w + ": invalid PEM private key");
    }
    try {
      SslContextBuilder.forServer(new ByteArrayInputStream(chain), new ByteArrayInputStream(key))
          .sslProvider(SslProvider.JDK).build();
    } catch (SSLException | RuntimeException e) {
      throw new InvalidConfigException(w + ": invalid private key: " + rootMessage(e));
    }
  }

  private static List<java.util.function.Predicate<String>> matchers(List<StringMatcher> ms, String w)
      throws InvalidConfigException {
    List<java.util.function.Predicate<String>> out = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) out.add(matcher(ms.get(i), w + "[" + i + "]"));
    return out;
  }

  static java.util.function.Predicate<String> matcher(StringMatcher m, String w) throws InvalidConfigException {
    boolean ic = m.getIgnoreCase();
    java.util.function.BiPredicate<String, String> eq = ic ? String::equalsIgnoreCase : String::equals;
    return switch (m.getMatchPatternCase()) {
      case EXACT -> s -> eq.test(s, m.getExact());
      case PREFIX -> s -> s.regionMatches(ic, 0, m.getPrefix(), 0, m.getPrefix().length());
      case SUFFIX -> s -> s.length() >= m.getSuffix().length()
          && s.regionMatches(ic, s.length() - m.getSuffix().length(), m.getSuffix(), 0, m.getSuffix().length());
      case CONTAINS -> s -> ic ? s.toLowerCase().contains(m.getContains().toLowerCase()) : s.contains(m.getContains());
      case SAFE_REGEX -> {
        try {
          var p = java.util.regex.Pattern.compile(m.getSafeRegex().getRegex());
          yield s -> p.matcher(s).matches();
        } catch (RuntimeException e) {
          throw new InvalidConfigException(w + ".safe_regex.regex: invalid: " + e.getMessage());
        }
      }
      default -> throw new InvalidConfigException(w + ": exact, prefix, suffix, contains or safe_regex is required");
    };
  }

  private static List<CertInfo> infos(String source, List<X509Certificate> certs) {
    return certs.stream().map(c -> CertInfo.of(source, c)).toList();
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
