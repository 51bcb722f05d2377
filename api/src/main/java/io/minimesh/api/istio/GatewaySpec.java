package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** Istio Gateway spec, every field of the v1 API. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewaySpec {
  public List<Server> servers;
  public Map<String, String> selector;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Server {
    public Port port;
    public String bind;
    /** "host", "ns/host", "./host", "*&#47;host" */
    public List<String> hosts;
    public ServerTLSSettings tls;
    public String defaultEndpoint;
    public String name;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ServerTLSSettings {
    public Boolean httpsRedirect;
    /** PASSTHROUGH | SIMPLE | MUTUAL | AUTO_PASSTHROUGH | ISTIO_MUTUAL | OPTIONAL_MUTUAL */
    public String mode;
    public String serverCertificate;
    public String privateKey;
    public String caCertificates;
    public String caCrl;
    public String credentialName;
    public List<String> credentialNames;
    public List<TLSCertificate> tlsCertificates;
    public List<String> subjectAltNames;
    public List<String> verifyCertificateSpki;
    public List<String> verifyCertificateHash;
    /** TLS_AUTO | TLSV1_0 | TLSV1_1 | TLSV1_2 | TLSV1_3 */
    public String minProtocolVersion;
    public String maxProtocolVersion;
    public List<String> cipherSuites;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TLSCertificate {
    public String serverCertificate;
    public String privateKey;
    public String caCertificates;
  }
}
