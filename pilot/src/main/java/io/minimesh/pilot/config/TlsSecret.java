package io.minimesh.pilot.config;

/**
 * A Kubernetes Secret holding a gateway certificate (type kubernetes.io/tls: tls.crt, tls.key, optional
 * ca.crt; or Istio's generic keys cert, key, cacert). PEM text.
 */
public record TlsSecret(
    String namespace, String name, String certChain, String privateKey, String caCert, Origin origin) {
  public ConfigKey key() {
    return new ConfigKey("Secret", namespace, name);
  }
}
