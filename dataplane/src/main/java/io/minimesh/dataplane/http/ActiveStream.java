package io.minimesh.dataplane.http;

import io.minimesh.dataplane.accesslog.AccessLogEntry;
import io.minimesh.dataplane.filter.FilterResult;
import io.minimesh.dataplane.filter.HttpFilter;
import io.minimesh.dataplane.filter.HttpFilterContext;
import io.minimesh.dataplane.http.fault.FaultConfig;
import io.minimesh.dataplane.http.mirror.ShadowRequest;
import io.minimesh.dataplane.http.ratelimit.LocalRateLimitConfig;
import io.minimesh.dataplane.http.ratelimit.LocalRateLimiter;
import io.minimesh.dataplane.route.RetryPolicy;
import io.minimesh.dataplane.route.RouteTable;
import io.minimesh.dataplane.runtime.RuntimeState;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import io.minimesh.dataplane.upstream.HostImpl;
import io.minimesh.dataplane.upstream.outlier.OutlierDetector;
import io.minimesh.dataplane.upstream.UpstreamCallbacks;
import io.minimesh.dataplane.upstream.UpstreamStream;
import io.minimesh.dataplane.upstream.lb.LbContext;
import io.minimesh.dataplane.upstream.lb.LbHost;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One downstream request through the connection manager, the filter chain and the router. Lives
 * on its connection's event loop. The codec on either side speaks Netty's HTTP object model
 * (headers, body chunks, trailers in {@link LastHttpContent}); HTTP/2 streams are converted to it,
 * so this one class serves HTTP/1.1 and HTTP/2 in any combination.
 */
final class ActiveStream implements HttpFilterContext, RouteTable.Request, StreamTimers.Timed {
  /** Bodies larger than this are not kept for replay, so such requests are not retried. */
  static final int RETRY_BUFFER_LIMIT = 1 << 20;

  private static final Set<String> HOP_BY_HOP =
      Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
          "http2-settings");

  private final DownstreamHandler down;
  private final ProxyContext px;
  private final HcmConfig hcm;
  private final RuntimeState state;
  private final HttpRequest req;
  private final HttpHeaders headers;
  private final boolean h2;
  private final boolean grpc;
  private final boolean head;
  private final String method;
  private String path;
  private final String originalPath;
  private final String authority;
  private final String scheme;
  private String requestId;
  private final long startNanos;
  private final long startMillis;

  // Routing.
  private RouteTable table;
  private RouteTable.VHost vhost;
  private RouteTable.Route route;
  private RouteTable.ForwardAction fwd;
  private RouteTable.WeightedTarget target;
  private ClusterRuntime cluster;
  private RetryPolicy retry = RetryPolicy.NONE;
  private HttpRequest upstreamTemplate;

  // Request body, kept for replay while it fits.
  private final List<HttpContent> body = new ArrayList<>();
  private int sentIndex;
  private long bodyBytes;
  private boolean replayable = true;
  private boolean downstreamEnded;
  // HTTP/1.1 request without Content-Length or chunking: no body follows the headers.
  private final boolean bodyKnownEmpty;
  // Upgrade type (e.g. "websocket") allowed for this request, or null.
  private String upgrade;

  // Attempts.
  private Attempt attempt;
  private int retriesDone;
  private final Set<LbHost> tried = new HashSet<>();
  // Consistent-hash input of this request (route hash_policy), computed once, reused by retries.
  private java.util.OptionalLong lbHash = java.util.OptionalLong.empty();
  private List<String> hashCookies = List.of();
  // Deadlines in the event loop's ticker nanos (StreamTimers.NONE: none), served by the connection's
  // StreamTimers: one shared task rather than a timer scheduled and cancelled per request.
  private StreamTimers timers;
  private long globalDeadline = StreamTimers.NONE;
  private long requestDeadline = StreamTimers.NONE;
  private ScheduledFuture<?> backoffTimer;
  private ScheduledFuture<?> faultTimer;
  private io.minimesh.dataplane.route.Cors cors;
  private String corsOrigin; // the request's Origin when the CORS policy allows it
  private boolean corsPreflight;
  // Mirror copies of this request (fire-and-forget; fed the body as it arrives).
  private List<ShadowRequest> shadows = List.of();
  // A retry slot taken for the next attempt (released when that attempt ends).
  private boolean pendingRetryHeld;
  private boolean retryOverflow;
  // Headers added to a local reply (rate limit response_headers_to_add).
  private List<LocalRateLimitConfig.Header> replyHeaders = List.of();
  private long idleTimeoutMs;
  private long lastActivityNanos; // the loop's ticker
  private boolean idleTimed;

  // Response.
  private boolean responseStarted;
  private boolean done;
  private int status;
  private String flags = "-";
  private boolean overloaded; // a circuit breaker refused the request: x-envoy-overloaded
  private String details = "-";
  private long bytesSent;
  private long upstreamServiceTime = -1;
  private HttpHeaders respHeaders;
  private HttpHeaders respTrailers;
  private String upstreamHost;

  ActiveStream(DownstreamHandler down, ProxyContext px, HcmConfig hcm, HttpRequest req, boolean h2) {
    this.down = down;
    this.px = px;
    this.hcm = hcm;
    this.state = px.state();
    this.req = req;
    this.headers = req.headers();
    this.h2 = h2;
    this.method = req.method().name();
    AbsoluteUri abs = h2 ? null : AbsoluteUri.parse(req.uri());
    if (abs != null) {
      // Absolute form (a client using this listener as its HTTP proxy): Envoy's allow_absolute_url routes
      // by the URI's authority and forwards origin form, so the Host header is replaced.
      req.setUri(abs.pathAndQuery());
      headers.set(HttpHeaderNames.HOST, abs.authority());
    }
    this.scheme = abs == null ? (down.isTls() ? "https" : "http") : abs.scheme();
    this.path = req.uri();
    this.originalPath = req.uri();
    String host = headers.get(HttpHeaderNames.HOST);
    this.authority = host == null ? "" : host;
    String ct = headers.get(HttpHeaderNames.CONTENT_TYPE);
    this.grpc = ct != null && ct.startsWith("application/grpc");
    this.head = req.method().equals(HttpMethod.HEAD);
    this.bodyKnownEmpty =
        !h2 && !HttpUtil.isTransferEncodingChunked(req) && HttpUtil.getContentLength(req, 0L) == 0;
    this.startNanos = px.time().nanoTime();
    this.startMillis = px.time().currentTimeMillis();
  }

  // ---- RouteTable.Request / HttpFilterContext ----

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String pathAndQuery() {
    return path;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public void setPath(String pathAndQuery) {
    this.path = pathAndQuery;
  }

  @Override
  public HttpHeaders headers() {
    return headers;
  }

  @Override
  public String scheme() {
    return scheme;
  }

  @Override
  public SocketAddress remoteAddress() {
    return down.remoteAddress();
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public void sendLocalReply(int status, String body) {
    localReply(status, body, "-", "filter_local_reply");
  }

  // ---- request side ----

  void onHeaders() {
    hcm.stats().rqTotal.inc();
    hcm.stats().rqActive.inc();
    HotPath.removePrefixed(headers, "x-http2-");
    if (!h2 && req.protocolVersion().equals(HttpVersion.HTTP_1_1) && !headers.contains(HttpHeaderNames.HOST)) {
      localReply(400, "missing host header", ResponseFlags.DOWNSTREAM_PROTOCOL_ERROR, "missing_host_header");
      return;
    }
    if (HttpUtil.is100ContinueExpected(req)) {
      headers.remove(HttpHeaderNames.EXPECT);
      down.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    if (hcm.maxRequestBodyBytes() > 0 && HttpUtil.getContentLength(req, -1L) > hcm.maxRequestBodyBytes()) {
      localReply(413, "Payload Too Large", "-", "request_payload_too_large");
      return;
    }
    if (hcm.requestTimeoutMs() > 0 && !requestDone()) {
      // request_timeout: the whole request must arrive in time, or 408.
      requestDeadline = timers().now() + TimeUnit.MILLISECONDS.toNanos(hcm.requestTimeoutMs());
      timers().update(this);
    }
    requestId = headers.get("x-request-id");
    if (requestId == null && hcm.generateRequestId()) {
      requestId = HotPath.uuid4();
      headers.set("x-request-id", requestId);
    }
    if (hcm.policies().useRemoteAddress) {
      String remoteIp = down.remoteIp();
      if (remoteIp != null) {
        String xff = headers.get("x-forwarded-for");
        headers.set("x-forwarded-for", xff == null || xff.isEmpty() ? remoteIp : xff + "," + remoteIp);
      }
      headers.set("x-forwarded-proto", scheme());
    } else if (!headers.contains("x-forwarded-proto")) {
      headers.set("x-forwarded-proto", scheme());
    }
    String up = headers.get(HttpHeaderNames.UPGRADE);
    if (!h2 && up != null && headers.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)) {
      upgrade = up.toLowerCase(java.util.Locale.ROOT);
    }
    for (HttpFilter f : hcm.filters()) {
      if (done) return;
      if (f.onRequestHeaders(this, headers) == FilterResult.STOP || done) return;
    }
    table = hcm.inlineRoutes() != null ? hcm.inlineRoutes() : state.routes.get(hcm.rdsName());
    if (table == null) {
      hcm.stats().noRoute.inc();
      localReply(404, "", ResponseFlags.NO_ROUTE, "route_not_found");
      return;
    }
    RouteTable.Match m = table.match(this);
    vhost = m.vhost();
    route = m.route();
    if (route == null) {
      hcm.stats().noRoute.inc();
      localReply(404, "", ResponseFlags.NO_ROUTE, "route_not_found");
      return;
    }
    cors = route.cors != null ? route.cors : vhost.cors;
    if (cors != null) {
      String origin = headers.get(HttpHeaderNames.ORIGIN);
      if (cors.allows(origin)) {
        corsOrigin = origin;
        if (io.minimesh.dataplane.route.Cors.isPreflight(req.method().name(), headers)) {
          // Envoy's CORS filter answers an allowed preflight itself; the upstream never sees it.
          corsPreflight = true;
          localReply(200, "", "-", "cors_response");
          return;
        }
      }
    }
    FaultConfig fault = route.fault != null ? route.fault : vhost.fault != null ? vhost.fault : hcm.policies().fault;
    if (fault != null && fault.rollDelay(px.random())) {
      // Envoy's fault filter: the delay is a timer; the request (and its body) waits, unread.
      hcm.policies().delaysInjected.inc();
      flags = ResponseFlags.DELAY_INJECTED;
      faultTimer = down.schedule(() -> {
        faultTimer = null;
        if (!done) afterFaultDelay(fault);
      }, fault.delayMs());
      return;
    }
    afterFaultDelay(fault);
  }

  /** After the fault delay (if any): fault abort, then the local rate limit, then the route's action. */
  private void afterFaultDelay(FaultConfig fault) {
    if (fault != null && fault.rollAbort(px.random())) {
      hcm.policies().abortsInjected.inc();
      String flag = ResponseFlags.DELAY_INJECTED.equals(flags)
          ? ResponseFlags.DELAY_INJECTED + "," + ResponseFlags.FAULT_INJECTED : ResponseFlags.FAULT_INJECTED;
      if (fault.grpcStatus() >= 0) localGrpc(fault.grpcStatus(), "fault filter abort", flag);
      else localReply(fault.httpStatus(), "fault filter abort", flag, "fault_filter_abort");
      return;
    }
    LocalRateLimiter rl =
        route.rateLimit != null ? route.rateLimit : vhost.rateLimit != null ? vhost.rateLimit : hcm.policies().rateLimit;
    if (rl != null && rl.check(px.time().nanoTime(), px.random()) == LocalRateLimiter.Outcome.LIMIT) {
      replyHeaders = rl.config().responseHeaders();
      localReply(rl.config().status(), "local_rate_limited", ResponseFlags.RATE_LIMITED, "local_rate_limited");
      return;
    }
    if (route.action instanceof RouteTable.DirectAct d) {
      hcm.stats().rqDirectResponse.inc();
      localReply(d.status(), new String(d.body(), StandardCharsets.UTF_8), "-", "direct_response");
    } else if (route.action instanceof RouteTable.RedirectAct r) {
      hcm.stats().rqRedirect.inc();
      String location = r.location(this, route.matchedPrefix());
      sendRedirect(r.status(), location);
    } else {
      fwd = (RouteTable.ForwardAction) route.action;
      forward();
    }
  }

  void onBody(HttpContent c) {
    touch();
    if (done) {
      c.release();
      if (c instanceof LastHttpContent) downstreamEnded = true;
      return;
    }
    int n = c.content().readableBytes();
    bodyBytes += n;
    if (c instanceof LastHttpContent) {
      downstreamEnded = true;
      requestDeadline = StreamTimers.NONE; // request_timeout covers the request's arrival only
      if (fwd != null && globalDeadline == StreamTimers.NONE) startGlobalTimer();
    }
    if (hcm.maxRequestBodyBytes() > 0 && bodyBytes > hcm.maxRequestBodyBytes()) {
      c.release();
      localReply(413, "Payload Too Large", "-", "request_payload_too_large");
      return;
    }
    for (ShadowRequest sh : shadows) sh.onBody(c.retainedDuplicate());
    body.add(c);
    if (replayable && bodyBytes > RETRY_BUFFER_LIMIT) replayable = false;
    if (attempt != null && attempt.stream != null) flushBody(attempt);
  }

  // ---- routing to a cluster ----

  private void forward() {
    target = fwd.pick(ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE));
    cluster = state.cluster(target.cluster());
    if (cluster == null) {
      localReply(503, "", ResponseFlags.NO_CLUSTER_FOUND, "cluster_not_found");
      return;
    }
    retry = fwd.retryPolicy;
    if (trustedDownstream()) retry = retry.withRequestHeaders(headers);
    if (!fwd.hashPolicies.isEmpty()) {
      var ev = io.minimesh.dataplane.upstream.lb.HashPolicies.evaluate(fwd.hashPolicies, this::hashHeader, path,
          down.remoteAddress() instanceof java.net.InetSocketAddress r ? r : null,
          down.localAddress() instanceof java.net.InetSocketAddress l ? l : null);
      lbHash = ev.hash();
      hashCookies = ev.setCookies();
    }
    String upstreamPath = fwd.rewritePath(path, route.matchedPrefix());
    HttpHeaders up = headers.copy();
    boolean hadTe = "trailers".equalsIgnoreCase(up.get(HttpHeaderNames.TE));
    for (String h : HOP_BY_HOP) up.remove(h);
    String connection = headers.get(HttpHeaderNames.CONNECTION);
    if (connection != null) {
      for (String token : connection.split(",")) up.remove(token.trim());
    }
    if (hadTe) up.set(HttpHeaderNames.TE, "trailers");
    for (String h : RetryPolicy.REQUEST_HEADERS) up.remove(h);
    if (upgrade != null && !cluster.usesHttp2(h2)
        && (hcm.upgradeTypes().contains(upgrade) || fwd.upgradeTypes.contains(upgrade))) {
      up.set(HttpHeaderNames.UPGRADE, headers.get(HttpHeaderNames.UPGRADE));
      up.set(HttpHeaderNames.CONNECTION, "Upgrade");
    } else {
      upgrade = null;
    }
    if (!upstreamPath.equals(path)) up.set("x-envoy-original-path", path);
    if (fwd.hostRewriteLiteral != null) up.set(HttpHeaderNames.HOST, fwd.hostRewriteLiteral);
    long perTry = retry.perTryTimeoutMs;
    long expected = fwd.timeoutMs;
    if (perTry > 0 && (expected == 0 || perTry < expected)) expected = perTry;
    if (expected > 0) up.set("x-envoy-expected-rq-timeout-ms", Long.toString(expected));
    target.requestMutations().apply(up);
    route.requestMutations.apply(up);
    vhost.requestMutations.apply(up);
    table.requestMutations.apply(up);
    upstreamTemplate = new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), upstreamPath, up);
    if (!fwd.mirrors.isEmpty() && upgrade == null) startShadows();
    if (downstreamEnded) startGlobalTimer();
    idleTimeoutMs = fwd.idleTimeoutMs >= 0 ? fwd.idleTimeoutMs : hcm.streamIdleTimeoutMs();
    touch();
    startAttempt();
  }

  /** Envoy's request_mirror_policies: copies that never hold up this request. */
  private void startShadows() {
    List<ShadowRequest> out = new ArrayList<>(fwd.mirrors.size());
    for (RouteTable.Mirror m : fwd.mirrors) {
      if (m.percent() < 100 && px.random().nextDouble() * 100 >= m.percent()) continue;
      ClusterRuntime mc = state.cluster(m.cluster());
      if (mc == null) continue;
      ShadowRequest sh = ShadowRequest.start(px.pools(down.loop()), down.loop(), down.loopIndex(), mc,
          upstreamTemplate, h2, fwd.timeoutMs, RETRY_BUFFER_LIMIT, () -> {});
      if (sh == null) continue;
      for (HttpContent c : body) if (c != null) sh.onBody(c.retainedDuplicate());
      out.add(sh);
    }
    shadows = out;
  }

  /** Whether x-envoy-* retry headers from this downstream are honoured (loopback, private or local peers). */
  private boolean trustedDownstream() {
    SocketAddress a = down.remoteAddress();
    if (!(a instanceof java.net.InetSocketAddress isa)) return true;
    java.net.InetAddress ip = isa.getAddress();
    return ip == null || ip.isLoopbackAddress() || ip.isSiteLocalAddress() || ip.isLinkLocalAddress();
  }

  private void onRequestTimeout() {
    if (done || downstreamEnded) return;
    hcm.stats().rqTimeout.inc();
    localReply(408, "request timeout", "-", "request_overall_timeout");
  }

  /** Activity on the stream: pushes the idle deadline out (checked lazily when the timer runs). */
  private void touch() {
    if (idleTimeoutMs <= 0 || done) return;
    lastActivityNanos = timers().now();
    if (!idleTimed) {
      idleTimed = true;
      timers().update(this); // later touches only move the deadline later: nothing to re-arm
    }
  }

  private void onIdleTimeout() {
    hcm.stats().rqIdleTimeout.inc();
    if (!responseStarted) {
      localReply(408, "stream timeout", ResponseFlags.STREAM_IDLE_TIMEOUT, "stream_idle_timeout");
    } else {
      flags = ResponseFlags.STREAM_IDLE_TIMEOUT;
      resetDownstream();
    }
  }

  private StreamTimers timers() {
    if (timers == null) timers = down.timers();
    return timers;
  }

  @Override
  public long deadline() {
    if (done) return StreamTimers.NONE;
    long d = Math.min(globalDeadline, requestDeadline);
    Attempt a = attempt;
    if (a != null && !a.finished) d = Math.min(d, a.perTryDeadline);
    if (idleTimed && idleTimeoutMs > 0) d = Math.min(d, lastActivityNanos + TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs));
    return d;
  }

  /** The stream's due deadlines, earliest first; on a tie in the order their timers were set. */
  @Override
  public void expire(long now) {
    while (!done) {
      long idle = idleTimed && idleTimeoutMs > 0
          ? lastActivityNanos + TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs) : StreamTimers.NONE;
      Attempt a = attempt;
      long perTry = a != null && !a.finished ? a.perTryDeadline : StreamTimers.NONE;
      long min = Math.min(Math.min(requestDeadline, globalDeadline), Math.min(perTry, idle));
      if (min > now) return;
      if (min == requestDeadline) {
        requestDeadline = StreamTimers.NONE;
        onRequestTimeout();
      } else if (min == globalDeadline) {
        globalDeadline = StreamTimers.NONE;
        onGlobalTimeout();
      } else if (min == perTry) {
        a.perTryDeadline = StreamTimers.NONE;
        onPerTryTimeout(a);
      } else {
        idleTimed = false;
        onIdleTimeout();
      }
    }
  }

  private void startGlobalTimer() {
    if (fwd == null || fwd.timeoutMs <= 0 || done || globalDeadline != StreamTimers.NONE) return;
    globalDeadline = timers().now() + TimeUnit.MILLISECONDS.toNanos(fwd.timeoutMs);
    timers().update(this);
  }

  private void startAttempt() {
    backoffTimer = null;
    if (done) return;
    LbContext ctx =
        retry.retryOtherHosts && !tried.isEmpty()
            ? LbContext.of(lbHash, tried::contains)
            : lbHash.isPresent() ? LbContext.of(lbHash, h -> false) : LbContext.NONE;
    LbHost picked = cluster.originalDst != null
        ? cluster.originalDst.pick(down.originalDestination(),
            cluster.originalDst.header() == null ? null : headers.get(cluster.originalDst.header()))
        : cluster.loadBalancer(down.loopIndex()).pick(ctx);
    if (!(picked instanceof HostImpl host)) {
      cluster.stats.noHealthyUpstream.inc();
      localReply(503, "no healthy upstream", ResponseFlags.NO_HEALTHY_UPSTREAM, "no_healthy_upstream");
      return;
    }
    if (!cluster.tryAcquireRequest()) {
      overloaded = true;
      localReply(
          503,
          "upstream connect error or disconnect/reset before headers. reset reason: overflow",
          ResponseFlags.UPSTREAM_OVERFLOW,
          "upstream_reset_before_response_started{overflow}");
      return;
    }
    tried.add(host);
    Attempt a = new Attempt(host, retriesDone + 1);
    a.retryHeld = pendingRetryHeld;
    pendingRetryHeld = false;
    attempt = a;
    upstreamHost = host.addressString();
    cluster.stats.rqTotal.inc();
    cluster.stats.rqActive.inc();
    host.stats().rqActive.incrementAndGet();
    host.stats().rqTotal.increment();
    if (retry.perTryTimeoutMs > 0) {
      a.perTryDeadline = timers().now() + TimeUnit.MILLISECONDS.toNanos(retry.perTryTimeoutMs);
      timers().update(this);
    }
    a.cancelPending = px.pools(down.loop()).newStream(cluster, host, h2, a);
  }

  /**
   * Whether one more try is allowed: retries left, a body that can be replayed (Envoy does not
   * retry a request streamed beyond its buffer), and a slot under the cluster's max_retries circuit
   * breaker or retry budget (else upstream_rq_retry_overflow). True takes the slot for the next attempt.
   */
  private boolean canRetry() {
    if (done || responseStarted || retriesDone >= retry.numRetries || !(replayable || sentIndex == 0)) return false;
    if (attempt != null && attempt.retryHeld) {
      attempt.retryHeld = false;
      cluster.releaseRetry();
    }
    long active = cluster.stats.rqActive.get() + cluster.stats.rqPendingActive.get();
    if (!cluster.tryAcquireRetry(retry.maxActiveRetries(active, cluster.maxRetries))) {
      cluster.stats.rqRetryOverflow.inc();
      retryOverflow = true;
      return false;
    }
    pendingRetryHeld = true;
    return true;
  }

  private void scheduleRetry() {
    retriesDone++;
    cluster.stats.rqRetry.inc();
    long delay = retry.backoffMillis(retriesDone, px.random());
    sentIndex = 0;
    backoffTimer = down.schedule(this::startAttempt, delay);
  }

  private void flushBody(Attempt a) {
    ChannelFuture last = null;
    while (sentIndex < body.size()) {
      HttpContent c = body.get(sentIndex);
      HttpContent out;
      if (replayable) {
        out = c.retainedDuplicate();
      } else {
        out = c;
        body.set(sentIndex, null);
      }
      sentIndex++;
      if (out instanceof LastHttpContent lc && !(out.getClass() == DefaultLastHttpContent.class)) {
        // Normalise so upstream codecs see plain content/trailers objects.
        out = new DefaultLastHttpContent(lc.content(), lc.trailingHeaders());
      }
      last = a.stream.write(out);
    }
    if (!replayable) {
      body.removeIf(x -> x == null);
      sentIndex = body.size();
    }
    if (last != null && !downstreamEnded) {
      last.addListener(
          (ChannelFutureListener)
              f -> {
                if (f.isSuccess() && !done) down.readMore();
              });
    } else if (last == null && !downstreamEnded) {
      down.readMore();
    }
  }

  private void onGlobalTimeout() {
    if (done) return;
    cluster.stats.rqTimeout.inc();
    if (attempt != null) attempt.host.stats().rqTimeout.increment();
    if (attempt != null && !attempt.finished && !responseStarted) {
      cluster.reportLocalFailure(attempt.host, OutlierDetector.LocalOriginFailure.TIMEOUT);
    }
    hcm.stats().rqTimeout.inc();
    abandonAttempt();
    if (backoffTimer != null) backoffTimer.cancel(false);
    if (!responseStarted) {
      localTimeout();
    } else {
      flags = ResponseFlags.UPSTREAM_REQUEST_TIMEOUT;
      resetDownstream();
    }
  }

  private void localTimeout() {
    if (grpc) localGrpc(4, "upstream request timeout", ResponseFlags.UPSTREAM_REQUEST_TIMEOUT);
    else localReply(504, "upstream request timeout", ResponseFlags.UPSTREAM_REQUEST_TIMEOUT, "upstream_response_timeout");
  }

  private void onPerTryTimeout(Attempt a) {
    if (a != attempt || a.finished || done || responseStarted) return;
    cluster.stats.rqPerTryTimeout.inc();
    a.host.stats().rqTimeout.increment();
    cluster.reportLocalFailure(a.host, OutlierDetector.LocalOriginFailure.TIMEOUT);
    abandonAttempt();
    if (retry.retriablePerTryTimeout() && canRetry()) {
      scheduleRetry();
    } else {
      localTimeout();
    }
  }

  private void abandonAttempt() {
    Attempt a = attempt;
    if (a == null) return;
    a.abandoned = true;
    if (a.stream != null) a.stream.cancel();
    finishAttempt(a);
  }

  private void finishAttempt(Attempt a) {
    if (a.finished) return;
    a.finished = true;
    if (a.retryHeld) {
      a.retryHeld = false;
      cluster.releaseRetry();
    }
    a.perTryDeadline = StreamTimers.NONE;
    if (a.stream == null && a.cancelPending != null) a.cancelPending.run();
    cluster.releaseRequest();
    cluster.stats.rqActive.dec();
    a.host.stats().rqActive.decrementAndGet();
  }

  // ---- response side ----

  /** One try at one host. */
  private final class Attempt implements UpstreamCallbacks {
    final HostImpl host;
    final int number;
    final long startNanos = px.time().nanoTime();
    UpstreamStream stream;
    boolean abandoned;
    boolean finished;
    boolean retryHeld;
    long perTryDeadline = StreamTimers.NONE;
    Runnable cancelPending;

    Attempt(HostImpl host, int number) {
      this.host = host;
      this.number = number;
    }

    @Override
    public void onReady(UpstreamStream s) {
      if (abandoned || done) {
        s.cancel();
        return;
      }
      stream = s;
      HttpHeaders template = upstreamTemplate.headers();
      boolean hasBody = !(downstreamEnded && bodyBytes == 0 && bodyHasNoTrailers());
      boolean chunked = hasBody && !template.contains(HttpHeaderNames.CONTENT_LENGTH);
      // The template stays as it is for retries; a first try that changes nothing sends it as is.
      HttpHeaders h = number > 1 || fwd.autoHostRewrite || chunked ? template.copy() : template;
      if (number > 1) h.set("x-envoy-attempt-count", Integer.toString(number));
      if (fwd.autoHostRewrite) {
        String hn = host.hostname();
        h.set(HttpHeaderNames.HOST, hn != null && !hn.isEmpty() ? hn : host.addressString());
      }
      HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, upstreamTemplate.method(), upstreamTemplate.uri(), h);
      if (chunked) HttpUtil.setTransferEncodingChunked(r, true);
      s.write(r);
      flushBody(this);
      s.read();
    }

    @Override
    public void onOverflow() {
      if (abandoned || done) return;
      finishAttempt(this);
      overloaded = true;
      localReply(
          503,
          "upstream connect error or disconnect/reset before headers. reset reason: overflow",
          ResponseFlags.UPSTREAM_OVERFLOW,
          "upstream_reset_before_response_started{overflow}");
    }

    @Override
    public void onConnectFailure(String reason) {
      if (abandoned || done) return;
      finishAttempt(this);
      if (retry.retriableReset(true, reason) && canRetry()) {
        scheduleRetry();
        return;
      }
      localReply(
          503,
          "upstream connect error or disconnect/reset before headers. reset reason: " + reason,
          ResponseFlags.UPSTREAM_CONNECTION_FAILURE,
          "upstream_reset_before_response_started{" + reason.replace(' ', '_') + "}");
    }

    @Override
    public void onResponse(HttpObject msg) {
      if (abandoned || done) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpResponse r) {
        touch();
        int code = r.status().code();
        if (code == 101 && upgrade != null) {
          tunnel(this, r);
          return;
        }
        upstreamServiceTime = TimeUnit.NANOSECONDS.toMillis(px.time().nanoTime() - startNanos);
        cluster.stats.response(code);
        cluster.reportResponse(host, code);
        int grpcStatus = grpcStatus(r.headers());
        if (code >= 500) host.stats().rqError.increment();
        else host.stats().rqSuccess.increment();
        boolean retriable = retry.retriableResponse(code, grpcStatus, r.headers());
        if (retriesDone > 0 && !retriable) cluster.stats.rqRetrySuccess.inc();
        if (retriable) {
          if (canRetry()) {
            ReferenceCountUtil.release(msg);
            abandonAttempt();
            scheduleRetry();
            return;
          }
          if (retryOverflow) {
            flags = ResponseFlags.UPSTREAM_OVERFLOW;
          } else if (retry.numRetries > 0 && retriesDone >= retry.numRetries) {
            flags = ResponseFlags.UPSTREAM_RETRY_LIMIT_EXCEEDED;
          }
        }
        perTryDeadline = StreamTimers.NONE;
        ChannelFuture hf = sendUpstreamHeaders(r);
        if (r instanceof FullHttpResponse full) {
          respTrailers = full.trailingHeaders();
          bytesSent += full.content().readableBytes();
          finishAttempt(this);
          down.write(full);
          complete(false);
          return;
        }
        hf.addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess() && !abandoned) stream.read();
                });
        return;
      }
      HttpContent c = (HttpContent) msg;
      touch();
      bytesSent += c.content().readableBytes();
      if (c instanceof LastHttpContent last) {
        respTrailers = last.trailingHeaders();
        finishAttempt(this);
        down.write(c);
        complete(false);
        return;
      }
      down.write(c)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess() && !abandoned) stream.read();
                  });
    }

    @Override
    public void onReset(String reason) {
      if (abandoned || done) return;
      finishAttempt(this);
      if (!responseStarted) {
        cluster.reportLocalFailure(host, OutlierDetector.LocalOriginFailure.RESET);
        if (retry.retriableReset(false, reason) && canRetry()) {
          scheduleRetry();
          return;
        }
        localReply(
            503,
            "upstream connect error or disconnect/reset before headers. reset reason: " + reason,
            reason.contains("remote") ? ResponseFlags.UPSTREAM_REMOTE_RESET : ResponseFlags.UPSTREAM_CONNECTION_TERMINATION,
            "upstream_reset_before_response_started{" + reason.replace(' ', '_') + "}");
      } else {
        flags = ResponseFlags.UPSTREAM_CONNECTION_TERMINATION;
        resetDownstream();
      }
    }
  }

  /** 101 Switching Protocols: from now on both connections carry raw bytes (WebSocket). */
  private void tunnel(Attempt a, HttpResponse r) {
    upstreamServiceTime = TimeUnit.NANOSECONDS.toMillis(px.time().nanoTime() - a.startNanos);
    cluster.stats.response(101);
    responseStarted = true;
    status = 101;
    respHeaders = r.headers();
    r.headers().set(HttpHeaderNames.SERVER, hcm.serverName());
    io.netty.channel.Channel upstreamChannel = a.stream.detachForTunnel();
    finishAttempt(a);
    globalDeadline = StreamTimers.NONE;
    down.write(r)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    upstreamChannel.close();
                    return;
                  }
                  down.switchToTunnel(upstreamChannel);
                });
    finish();
  }

  private boolean bodyHasNoTrailers() {
    for (HttpContent c : body) {
      if (c instanceof LastHttpContent l && !l.trailingHeaders().isEmpty()) return false;
    }
    return true;
  }

  private static int grpcStatus(HttpHeaders h) {
    String s = h.get("grpc-status");
    if (s == null) return -1;
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private ChannelFuture sendUpstreamHeaders(HttpResponse r) {
    responseStarted = true;
    status = r.status().code();
    HttpHeaders h = r.headers();
    HotPath.removePrefixed(h, "x-http2-");
    String connection = h.get(HttpHeaderNames.CONNECTION);
    if (connection != null) {
      for (String token : connection.split(",")) h.remove(token.trim());
    }
    for (String hop : HOP_BY_HOP) h.remove(hop);
    if (upstreamServiceTime >= 0) h.set("x-envoy-upstream-service-time", Long.toString(upstreamServiceTime));
    applyResponseMutations(h);
    if (!(r instanceof FullHttpResponse)) {
      r.setProtocolVersion(HttpVersion.HTTP_1_1);
      if (!h2 && !h.contains(HttpHeaderNames.CONTENT_LENGTH) && bodyAllowed()) {
        HttpUtil.setTransferEncodingChunked(r, true);
      }
    } else if (!h2 && !h.contains(HttpHeaderNames.CONTENT_LENGTH) && bodyAllowed()) {
      HttpUtil.setContentLength(r, ((FullHttpResponse) r).content().readableBytes());
    }
    finishHeaders(h);
    respHeaders = h;
    return r instanceof FullHttpResponse ? null : down.write(r);
  }

  /** Header lookup for hash policies; several cookie headers (HTTP/2) count as one. */
  private String hashHeader(String name) {
    if (name.equals("cookie")) {
      List<String> all = headers.getAll(HttpHeaderNames.COOKIE);
      return all.isEmpty() ? null : all.size() == 1 ? all.get(0) : String.join("; ", all);
    }
    return headers.get(name);
  }

  private boolean bodyAllowed() {
    return !head && status != 204 && status != 304 && status >= 200;
  }

  private void applyCors(HttpHeaders h) {
    if (corsOrigin == null) return;
    if (corsPreflight) cors.addPreflightHeaders(h, corsOrigin);
    else cors.addResponseHeaders(h, corsOrigin);
  }

  private void applyResponseMutations(HttpHeaders h) {
    for (String c : hashCookies) h.add(HttpHeaderNames.SET_COOKIE, c);
    applyCors(h);
    if (target != null) target.responseMutations().apply(h);
    if (route != null) route.responseMutations.apply(h);
    if (vhost != null) vhost.responseMutations.apply(h);
    if (table != null) table.responseMutations.apply(h);
  }

  private void finishHeaders(HttpHeaders h) {
    h.set(HttpHeaderNames.SERVER, hcm.serverName());
    if (!h.contains(HttpHeaderNames.DATE)) {
      h.set(HttpHeaderNames.DATE, io.netty.handler.codec.DateFormatter.format(new java.util.Date(px.time().currentTimeMillis())));
    }
    for (int i = hcm.filters().size() - 1; i >= 0; i--) {
      hcm.filters().get(i).onResponseHeaders(this, status, h);
    }
    if (!h2 && (px.draining() || !HttpUtil.isKeepAlive(req))) {
      h.set(HttpHeaderNames.CONNECTION, "close");
    }
  }

  private void sendRedirect(int code, String location) {
    responseStarted = true;
    status = code;
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code), Unpooled.EMPTY_BUFFER);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    applyResponseMutations(r.headers());
    finishHeaders(r.headers());
    respHeaders = r.headers();
    down.write(r);
    complete(false);
  }

  /** Answers locally (Envoy's local reply), unless the response has started, in which case the stream is reset. */
  void localReply(int code, String text, String flag, String detail) {
    if (done) return;
    if (responseStarted) {
      flags = flag;
      resetDownstream();
      return;
    }
    if (grpc && code != 200) {
      localGrpc(httpToGrpc(code), text, flag);
      return;
    }
    abandonAttempt();
    responseStarted = true;
    status = code;
    flags = flag;
    details = detail;
    ByteBuf content =
        text.isEmpty() || head ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code), content);
    if (!text.isEmpty()) r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, head ? text.length() : content.readableBytes());
    if (route != null && route.action instanceof RouteTable.DirectAct) applyResponseMutations(r.headers());
    else applyCors(r.headers());
    addReplyHeaders(r.headers());
    finishHeaders(r.headers());
    if (overloaded) r.headers().set("x-envoy-overloaded", "true");
    boolean close = !requestDone() || code == 400 || code == 413 || code == 431;
    if (close && !h2) r.headers().set(HttpHeaderNames.CONNECTION, "close");
    respHeaders = r.headers();
    bytesSent += content.readableBytes();
    down.write(r);
    complete(close);
  }

  private void localGrpc(int grpcStatus, String message, String flag) {
    abandonAttempt();
    responseStarted = true;
    status = 200;
    flags = flag;
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    r.headers().set("grpc-status", Integer.toString(grpcStatus));
    if (!message.isEmpty()) r.headers().set("grpc-message", message);
    if (!h2) r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    addReplyHeaders(r.headers());
    finishHeaders(r.headers());
    respHeaders = r.headers();
    down.write(r);
    complete(false);
  }

  private void addReplyHeaders(HttpHeaders h) {
    for (LocalRateLimitConfig.Header x : replyHeaders) {
      if (x.append()) h.add(x.name(), x.value());
      else h.set(x.name(), x.value());
    }
  }

  /** Envoy's HTTP → gRPC status mapping for local replies. */
  static int httpToGrpc(int http) {
    return switch (http) {
      case 400 -> 13;
      case 401 -> 16;
      case 403 -> 7;
      case 404 -> 12;
      case 429, 502, 503, 504 -> 14;
      default -> 2;
    };
  }

  private void resetDownstream() {
    if (done) return;
    abandonAttempt();
    finish();
    down.resetStream();
  }

  /** The downstream went away (connection closed or stream reset). */
  void onDownstreamReset() {
    if (done) return;
    flags = ResponseFlags.DOWNSTREAM_CONNECTION_TERMINATION;
    if (cluster != null && attempt != null && !attempt.finished) cluster.stats.rqCancelled.inc();
    abandonAttempt();
    if (backoffTimer != null) backoffTimer.cancel(false);
    hcm.stats().cxDestroyRemoteActiveRq.inc();
    finish();
  }

  private void complete(boolean closeConnection) {
    if (done) return;
    finish();
    // HTTP/1.0 without keep-alive, or "Connection: close": the response ends the connection (as in Envoy).
    boolean clientCloses = !h2 && !HttpUtil.isKeepAlive(req);
    down.streamComplete(this, closeConnection || !requestDone() || clientCloses);
  }

  private void finish() {
    done = true;
    if (timers != null) timers.remove(this); // its deadlines go with it; nothing to cancel
    if (backoffTimer != null) backoffTimer.cancel(false);
    if (faultTimer != null) faultTimer.cancel(false);
    if (attempt != null) finishAttempt(attempt);
    if (pendingRetryHeld) {
      pendingRetryHeld = false;
      cluster.releaseRetry();
    }
    for (ShadowRequest sh : shadows) sh.abandon();
    hcm.stats().rqActive.dec();
    if (status > 0) hcm.stats().response(status);
    for (HttpContent c : body) if (c != null) ReferenceCountUtil.release(c);
    body.clear();
    if (!hcm.accessLogs().isEmpty()) {
      long duration = TimeUnit.NANOSECONDS.toMillis(px.time().nanoTime() - startNanos);
      AccessLogEntry e =
          new AccessLogEntry(
              startMillis,
              method,
              originalPath,
              authority,
              h2 ? "HTTP/2" : req.protocolVersion().text(),
              status,
              flags,
              bodyBytes,
              bytesSent,
              duration,
              upstreamServiceTime,
              headers,
              respHeaders,
              respTrailers,
              upstreamHost,
              cluster == null ? null : cluster.name,
              down.remoteAddressString(),
              down.localAddressString(),
              route == null ? null : route.name,
              details);
      for (HcmConfig.AccessLogTarget t : hcm.accessLogs()) px.accessLog().log(t.format(), t.path(), e);
    }
  }

  /** The whole request has arrived (or none is coming). */
  private boolean requestDone() {
    return downstreamEnded || bodyKnownEmpty;
  }

  boolean isDone() {
    return done;
  }

  boolean downstreamEnded() {
    return downstreamEnded;
  }
}
