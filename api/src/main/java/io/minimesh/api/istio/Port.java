package io.minimesh.api.istio;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Istio Port (Gateway server, Sidecar listener): number, protocol (HTTP|HTTPS|GRPC|HTTP2|MONGO|TCP|TLS), name. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Port {
  public Integer number;
  public String protocol;
  public String name;
  public Integer targetPort;
}
