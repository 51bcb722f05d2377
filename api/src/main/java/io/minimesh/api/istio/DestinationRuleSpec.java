package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** Istio DestinationRule spec, every field of the v1 API. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DestinationRuleSpec {
  public String host;
  public TrafficPolicy trafficPolicy;
  public List<Subset> subsets;
  public List<String> exportTo;
  public WorkloadSelector workloadSelector;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Subset {
    public String name;
    public Map<String, String> labels;
    public TrafficPolicy trafficPolicy;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TrafficPolicy {
    public LoadBalancerSettings loadBalancer;
    public ConnectionPoolSettings connectionPool;
    public OutlierDetection outlierDetection;
    public ClientTLSSettings tls;
    public List<PortTrafficPolicy> portLevelSettings;
    public TunnelSettings tunnel;
    public ProxyProtocol proxyProtocol;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PortTrafficPolicy {
    public PortSelector port;
    public LoadBalancerSettings loadBalancer;
    public ConnectionPoolSettings connectionPool;
    public OutlierDetection outlierDetection;
    public ClientTLSSettings tls;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TunnelSettings {
    public String protocol;
    public String targetHost;
    public Integer targetPort;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ProxyProtocol {
    public String version;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class LoadBalancerSettings {
    /** UNSPECIFIED | RANDOM | PASSTHROUGH | ROUND_ROBIN | LEAST_REQUEST | LEAST_CONN */
    public String simple;
    public ConsistentHashLB consistentHash;
    public LocalityLoadBalancerSetting localityLbSetting;
    public String warmupDurationSecs;
    public WarmupConfiguration warmup;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class WarmupConfiguration {
    public String duration;
    public Percent minimumPercent;
    public Double aggression;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ConsistentHashLB {
    public String httpHeaderName;
    public HTTPCookie httpCookie;
    public Boolean useSourceIp;
    public String httpQueryParameterName;
    public RingHash ringHash;
    public MagLev maglev;
    /** Deprecated: use ringHash.minimumRingSize. */
    public Long minimumRingSize;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class HTTPCookie {
      public String name;
      public String path;
      public String ttl;
      public List<Attribute> attributes;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Attribute {
      public String name;
      public String value;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class RingHash {
      public Long minimumRingSize;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class MagLev {
      public Long tableSize;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class LocalityLoadBalancerSetting {
    public List<Distribute> distribute;
    public List<Failover> failover;
    public List<String> failoverPriority;
    public Boolean enabled;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Distribute {
      public String from;
      public Map<String, Integer> to;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Failover {
      public String from;
      public String to;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ConnectionPoolSettings {
    public TCPSettings tcp;
    public HTTPSettings http;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class TCPSettings {
      public Integer maxConnections;
      public String connectTimeout;
      public TcpKeepalive tcpKeepalive;
      public String maxConnectionDuration;
      public String idleTimeout;

      @JsonInclude(JsonInclude.Include.NON_NULL)
      public static class TcpKeepalive {
        public Integer probes;
        public String time;
        public String interval;
      }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class HTTPSettings {
      public Integer http1MaxPendingRequests;
      public Integer http2MaxRequests;
      public Integer maxRequestsPerConnection;
      public Integer maxRetries;
      public String idleTimeout;
      /** DEFAULT | DO_NOT_UPGRADE | UPGRADE */
      public String h2UpgradePolicy;
      public Boolean useClientProtocol;
      public Integer maxConcurrentStreams;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class OutlierDetection {
    public Boolean splitExternalLocalOriginErrors;
    public Integer consecutiveLocalOriginFailures;
    public Integer consecutiveGatewayErrors;
    public Integer consecutive5xxErrors;
    /** Deprecated. */
    public Integer consecutiveErrors;
    public String interval;
    public String baseEjectionTime;
    public Integer maxEjectionPercent;
    public Integer minHealthPercent;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClientTLSSettings {
    /** DISABLE | SIMPLE | MUTUAL | ISTIO_MUTUAL */
    public String mode;
    public String clientCertificate;
    public String privateKey;
    public String caCertificates;
    public String credentialName;
    public List<String> subjectAltNames;
    public String sni;
    public Boolean insecureSkipVerify;
    public String caCrl;
  }
}
