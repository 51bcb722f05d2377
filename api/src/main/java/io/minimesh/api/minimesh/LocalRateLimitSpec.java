package io.minimesh.api.minimesh;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.minimesh.api.istio.WorkloadSelector;
import java.util.List;

/**
 * Spec of {@link LocalRateLimit}.
 *
 * <pre>
 * spec:
 *   workloadSelector: {labels: {istio: ingressgateway}}   # absent: every proxy of the namespace
 *   scope: HOST            # LISTENER (default) | HOST | ROUTE
 *   port: 80               # optional: only listeners / route configurations of this port
 *   hosts: [shop.example.com]   # HOST (required) and ROUTE (optional): virtual hosts
 *   route: checkout        # ROUTE: the VirtualService http[].name
 *   tokenBucket: {maxTokens: 10, tokensPerFill: 10, fillInterval: 1s}
 *   statusCode: 429        # optional
 * </pre>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalRateLimitSpec {
  public WorkloadSelector workloadSelector;
  public String scope;
  public Integer port;
  public List<String> hosts;
  public String route;
  public TokenBucket tokenBucket;
  public Integer statusCode;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TokenBucket {
    public Integer maxTokens;
    /** Absent: 1 (Envoy). */
    public Integer tokensPerFill;
    public String fillInterval;
  }
}
