package io.minimesh.dataplane.accesslog;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * Everything one access log line may need, captured on the event loop; formatting happens on the
 * writer thread. Header objects are no longer mutated once the entry is made.
 */
public record AccessLogEntry(
    long startEpochMillis,
    String method,
    String path,
    String authority,
    String protocol,
    int responseCode,
    String responseFlags,
    long bytesReceived,
    long bytesSent,
    long durationMs,
    long upstreamServiceTimeMs,
    HttpHeaders requestHeaders,
    HttpHeaders responseHeaders,
    HttpHeaders responseTrailers,
    String upstreamHost,
    String upstreamCluster,
    String downstreamRemoteAddress,
    String downstreamLocalAddress,
    String routeName,
    String responseCodeDetails) {}
