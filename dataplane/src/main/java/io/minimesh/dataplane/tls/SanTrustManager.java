package io.minimesh.dataplane.tls;

import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Verifies the peer's chain against the configured CAs and then, when SAN matchers are
 * configured, requires one subject alternative name (DNS, URI, IP or email) to match one of them
 * (Envoy's match_subject_alt_names). No host name check: Envoy does not do one either.
 */
final class SanTrustManager extends X509ExtendedTrustManager {
  private final X509TrustManager delegate;
  private final List<Predicate<String>> sans;

  SanTrustManager(List<X509Certificate> cas, List<Predicate<String>> sans) {
    this.sans = List.copyOf(sans);
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      for (int i = 0; i < cas.size(); i++) ks.setCertificateEntry("ca-" + i, cas.get(i));
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      X509TrustManager tm = null;
      for (var t : tmf.getTrustManagers()) if (t instanceof X509TrustManager x) tm = x;
      this.delegate = tm;
    } catch (Exception e) {
      throw new IllegalStateException("cannot build trust manager: " + e.getMessage(), e);
    }
  }

  private void checkSans(X509Certificate[] chain) throws CertificateException {
    if (sans.isEmpty()) return;
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> all = chain[0].getSubjectAlternativeNames();
      if (all != null) for (List<?> s : all) names.add(String.valueOf(s.get(1)));
    } catch (CertificateParsingException e) {
      throw new CertificateException("cannot read subject alternative names", e);
    }
    for (String n : names) for (Predicate<String> p : sans) if (p.test(n)) return;
    throw new CertificateException("peer certificate SANs " + names + " match none of the configured subject_alt_names");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    delegate.checkClientTrusted(chain, jdkAuthType(authType));
    checkSans(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    delegate.checkServerTrusted(chain, jdkAuthType(authType));
    checkSans(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  /** Conscrypt says "GENERIC" for TLS 1.3 where the JDK's checker expects "UNKNOWN". */
  private static String jdkAuthType(String authType) {
    return "GENERIC".equals(authType) ? "UNKNOWN" : authType;
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }
}
