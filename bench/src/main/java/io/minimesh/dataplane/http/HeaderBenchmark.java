package io.minimesh.dataplane.http;

import io.minimesh.api.xds.v1.HeaderValue;
import io.minimesh.api.xds.v1.HeaderValueOption;
import io.minimesh.dataplane.route.HeaderMutationsAccess;
import io.minimesh.dataplane.route.HeaderMutations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Header parsing (the proxy's HTTP/1.1 request decoder on a browser-like request) and the per-request
 * header rewriting of the forward path: copy, hop-by-hop removal, x-http2-* stripping, x-request-id,
 * and route/virtual-host header mutations.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderBenchmark {
  private static final byte[] REQUEST = ("GET /api/v1/reviews/0123456789?page=2&sort=desc HTTP/1.1\r\n"
      + "Host: reviews.default.svc.cluster.local:9080\r\n"
      + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
      + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
      + "Accept-Language: en-US,en;q=0.5\r\n"
      + "Accept-Encoding: gzip, deflate, br\r\n"
      + "Connection: keep-alive\r\n"
      + "Cookie: session=3f9a1c2b7d; theme=dark\r\n"
      + "X-B3-TraceId: 463ac35c9f6413ad48485a3953bb6124\r\n"
      + "X-B3-SpanId: a2fb4a1d1a96d312\r\n"
      + "X-Request-Id: 7f1c0b64-4c7e-4f0a-9a8e-2f3b1c5d6e7f\r\n"
      + "\r\n").getBytes(StandardCharsets.US_ASCII);

  private EmbeddedChannel decoder;
  private ByteBuf request;
  private HttpHeaders parsed;
  private HeaderMutations routeMutations;

  @Setup
  public void setup() {
    decoder = new EmbeddedChannel(new Http1RequestDecoder(60 * 1024));
    request = Unpooled.unreleasableBuffer(Unpooled.directBuffer(REQUEST.length).writeBytes(REQUEST));
    decoder.writeInbound(request.retainedDuplicate());
    HttpRequest r = decoder.readInbound();
    parsed = r.headers().copy();
    ReferenceCountUtil.release(decoder.readInbound());
    routeMutations = HeaderMutationsAccess.of(List.of(
        HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-bench-revision").setValue("v2")).build(),
        HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-envoy-peer").setValue("sidecar")).setAppend(true).build()),
        List.of("cookie"));
  }

  @TearDown
  public void tearDown() {
    decoder.finishAndReleaseAll();
  }

  /** Request line and 11 headers into an HttpRequest (plus its empty last content). */
  @Benchmark
  public Object parseRequest() {
    decoder.writeInbound(request.retainedDuplicate());
    Object head = decoder.readInbound();
    ReferenceCountUtil.release(decoder.readInbound());
    return head;
  }

  /** What the router does to a request's headers before sending it upstream. */
  @Benchmark
  public HttpHeaders rewriteForUpstream() {
    HttpHeaders h = parsed.copy();
    HotPath.removePrefixed(h, "x-http2-");
    for (String hop : new String[] {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"}) {
      h.remove(hop);
    }
    h.set("x-forwarded-for", "10.1.2.3");
    h.set("x-forwarded-proto", "http");
    h.set("x-envoy-expected-rq-timeout-ms", "15000");
    routeMutations.apply(h);
    return h;
  }

  @Benchmark
  public String requestId() {
    return HotPath.uuid4();
  }

  /** Before the fix (docs/performance.md, History): SecureRandom behind every x-request-id. */
  @Benchmark
  public String requestIdJdk() {
    return java.util.UUID.randomUUID().toString();
  }

  @Benchmark
  public HttpHeaders stripPrefixed() {
    HotPath.removePrefixed(parsed, "x-http2-");
    return parsed;
  }

  /** Before the fix: the header names copied into a set and a list for every request. */
  @Benchmark
  public HttpHeaders stripCopyingNames() {
    for (String name : List.copyOf(parsed.names())) {
      if (name.startsWith("x-http2-")) parsed.remove(name);
    }
    return parsed;
  }
}
