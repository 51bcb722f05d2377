package io.minimesh.dataplane.http.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.minimesh.dataplane.testing.LeakCheck;
import io.minimesh.dataplane.testing.TestContext;
import io.minimesh.dataplane.upstream.ClusterRuntime;
import io.minimesh.dataplane.upstream.HostImpl;
import io.minimesh.dataplane.upstream.UpstreamStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The mirror copy's buffering: queued until its stream is ready, dropped (not stalling) past its limit. */
@ExtendWith(LeakCheck.class)
class ShadowRequestTest {
  static final String YAML =
      """
      static_resources:
        clusters:
        - name: m
          connect_timeout: 1s
          load_assignment:
            cluster_name: m
            endpoints:
            - lb_endpoints:
              - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 9}}}
      """;

  /** A stream whose writes complete only when the test says so (a peer that does not read). */
  static final class FakeStream implements UpstreamStream {
    final EmbeddedChannel ch = new EmbeddedChannel();
    final List<HttpObject> written = new ArrayList<>();
    final List<ChannelPromise> promises = new ArrayList<>();
    boolean cancelled;
    int reads;

    @Override
    public ChannelFuture write(HttpObject msg) {
      written.add(msg);
      ChannelPromise p = ch.newPromise();
      promises.add(p);
      return p;
    }

    @Override
    public void read() {
      reads++;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public HostImpl host() {
      return null;
    }

    void completeWrites() {
      for (ChannelPromise p : promises) p.trySuccess();
    }

    void release() {
      written.forEach(ReferenceCountUtil::release);
      ch.finishAndReleaseAll();
    }
  }

  TestContext ctx;
  ClusterRuntime cluster;
  FakeStream stream = new FakeStream();
  AtomicInteger drops = new AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    ctx = new TestContext(YAML);
    cluster = ctx.state.cluster("m");
  }

  @AfterEach
  void tearDown() {
    stream.release();
    ctx.close();
  }

  ShadowRequest shadow(long limit) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
    r.headers().set("host", "reviews:9080");
    return ShadowRequest.create(cluster, cluster.hostSet().hosts.get(0), r, limit, drops::incrementAndGet);
  }

  static HttpContent chunk(int bytes) {
    return new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[bytes]));
  }

  @Test
  void shadowHost() {
    assertThat(ShadowRequest.shadowAuthority("reviews:9080")).isEqualTo("reviews-shadow:9080");
    assertThat(ShadowRequest.shadowAuthority("reviews.default.svc")).isEqualTo("reviews.default.svc-shadow");
    assertThat(ShadowRequest.shadowAuthority("[::1]:80")).isEqualTo("[::1]-shadow:80");
  }

  @Test
  void bodyQueuedBeforeTheStreamIsReadyThenSentWithShadowHost() {
    ShadowRequest s = shadow(1000);
    s.onBody(chunk(100));
    s.onBody(new io.netty.handler.codec.http.DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[50])));
    s.onReady(stream);
    assertThat(stream.written).hasSize(3);
    assertThat(((HttpRequest) stream.written.get(0)).headers().get("host")).isEqualTo("reviews-shadow:9080");
    assertThat(stream.written.get(2)).isInstanceOf(LastHttpContent.class);
    assertThat(stream.reads).isEqualTo(1);
    s.onResponse(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    s.onResponse(LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat(s.isDone()).isTrue();
    assertThat(cluster.stats.rqActive.get()).isZero();
    assertThat(drops.get()).isZero();
  }

  @Test
  void copyThatCannotKeepUpIsDropped() {
    ShadowRequest s = shadow(1000);
    s.onReady(stream);
    s.onBody(chunk(600));
    stream.completeWrites(); // the first 600 bytes left
    s.onBody(chunk(600));
    assertThat(drops.get()).isZero();
    s.onBody(chunk(600)); // 1200 unwritten > 1000
    assertThat(drops.get()).isEqualTo(1);
    assertThat(stream.cancelled).isTrue();
    assertThat(s.isDone()).isTrue();
    HttpContent late = chunk(10);
    s.onBody(late);
    assertThat(late.refCnt()).as("later body is released, not queued").isZero();
    assertThat(cluster.stats.rqActive.get()).isZero();
  }

  @Test
  void queuedBodyBeyondTheLimitIsDroppedAndReleased() {
    ShadowRequest s = shadow(1000);
    HttpContent first = chunk(800);
    s.onBody(first);
    s.onBody(chunk(800));
    assertThat(drops.get()).isEqualTo(1);
    assertThat(first.refCnt()).isZero();
    s.onReady(stream);
    assertThat(stream.cancelled).as("a stream arriving after the drop is given back").isTrue();
    assertThat(stream.written).isEmpty();
  }
}
