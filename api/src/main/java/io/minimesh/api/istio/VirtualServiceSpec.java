package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** Istio VirtualService spec (networking.istio.io), every field of the v1 API. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VirtualServiceSpec {
  public List<String> hosts;
  public List<String> gateways;
  public List<HTTPRoute> http;
  public List<TLSRoute> tls;
  public List<TCPRoute> tcp;
  public List<String> exportTo;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPRoute {
    public String name;
    public List<HTTPMatchRequest> match;
    public List<HTTPRouteDestination> route;
    public HTTPRedirect redirect;
    public HTTPDirectResponse directResponse;
    public Delegate delegate;
    public HTTPRewrite rewrite;
    public String timeout;
    public HTTPRetry retries;
    public HTTPFaultInjection fault;
    public Destination mirror;
    public List<HTTPMirrorPolicy> mirrors;
    /** Deprecated integer form of mirrorPercentage. */
    public Integer mirrorPercent;
    public Percent mirrorPercentage;
    public CorsPolicy corsPolicy;
    public Headers headers;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPMatchRequest {
    public String name;
    public StringMatch uri;
    public StringMatch scheme;
    public StringMatch method;
    public StringMatch authority;
    public Map<String, StringMatch> headers;
    public Integer port;
    public Map<String, String> sourceLabels;
    public List<String> gateways;
    public Map<String, StringMatch> queryParams;
    public Boolean ignoreUriCase;
    public Map<String, StringMatch> withoutHeaders;
    public String sourceNamespace;
    public String statPrefix;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPRouteDestination {
    public Destination destination;
    public Integer weight;
    public Headers headers;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RouteDestination {
    public Destination destination;
    public Integer weight;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Delegate {
    public String name;
    public String namespace;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Headers {
    public HeaderOperations request;
    public HeaderOperations response;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HeaderOperations {
    public Map<String, String> set;
    public Map<String, String> add;
    public List<String> remove;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPRedirect {
    public String uri;
    public String authority;
    public Integer port;
    /** FROM_PROTOCOL_DEFAULT | FROM_REQUEST_PORT */
    public String derivePort;
    public String scheme;
    public Integer redirectCode;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPDirectResponse {
    public Integer status;
    public HTTPBody body;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPBody {
    public String string;
    /** base64 */
    public String bytes;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPRewrite {
    public String uri;
    public String authority;
    public RegexRewrite uriRegexRewrite;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RegexRewrite {
    public String match;
    public String rewrite;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPRetry {
    public Integer attempts;
    public String perTryTimeout;
    public String retryOn;
    public Boolean retryRemoteLocalities;
    public Boolean retryIgnorePreviousHosts;
    public String backoff;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPFaultInjection {
    public Delay delay;
    public Abort abort;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Delay {
      public String fixedDelay;
      public String exponentialDelay;
      public Percent percentage;
      /** Deprecated integer percentage. */
      public Integer percent;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Abort {
      public Integer httpStatus;
      /** gRPC status name ("UNAVAILABLE") or number. */
      public String grpcStatus;
      public String http2Error;
      public Percent percentage;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HTTPMirrorPolicy {
    public Destination destination;
    public Percent percentage;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CorsPolicy {
    /** Deprecated exact-origin list. */
    public List<String> allowOrigin;
    public List<StringMatch> allowOrigins;
    public List<String> allowMethods;
    public List<String> allowHeaders;
    public List<String> exposeHeaders;
    public String maxAge;
    public Boolean allowCredentials;
    /** UNSPECIFIED | FORWARD | IGNORE */
    public String unmatchedPreflights;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TLSRoute {
    public List<TLSMatchAttributes> match;
    public List<RouteDestination> route;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TLSMatchAttributes {
    public List<String> sniHosts;
    public List<String> destinationSubnets;
    public Integer port;
    public Map<String, String> sourceLabels;
    public List<String> gateways;
    public String sourceNamespace;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TCPRoute {
    public List<L4MatchAttributes> match;
    public List<RouteDestination> route;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class L4MatchAttributes {
    public List<String> destinationSubnets;
    public Integer port;
    public Map<String, String> sourceLabels;
    public List<String> gateways;
    public String sourceNamespace;
  }
}
