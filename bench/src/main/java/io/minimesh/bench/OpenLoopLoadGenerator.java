package io.minimesh.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Open-loop, constant-rate HTTP/1.1 load generator. Request i is due at start + i/rate whatever
 * happened before; latency is measured from that intended time, so a stall in the server shows up
 * in every request queued behind it (no coordinated omission). One event loop owns every
 * connection, so no state here is shared between threads.
 */
final class OpenLoopLoadGenerator {

  record Config(URI target, String hostHeader, double rate, int connections, Duration warmup, Duration duration) {
    Config {
      if (rate <= 0) throw new IllegalArgumentException("rate must be positive");
      if (connections <= 0) throw new IllegalArgumentException("connections must be positive");
    }
  }

  /** Latencies in microseconds. */
  record Result(long sent, long completed, long errors, long non2xx, Histogram latencyUs, Histogram serviceUs, double seconds) {
    double achievedRate() {
      return completed / seconds;
    }
  }

  private final Config config;

  OpenLoopLoadGenerator(Config config) {
    this.config = config;
  }

  Result run() throws Exception {
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    try {
      EventLoop loop = group.next();
      Run run = new Run(loop);
      Bootstrap b =
          new Bootstrap()
              .group(loop)
              .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline().addLast(new HttpClientCodec(), new Conn(run));
                    }
                  });
      int port = config.target().getPort() > 0 ? config.target().getPort() : 80;
      for (int i = 0; i < config.connections(); i++) {
        Channel ch = b.connect(config.target().getHost(), port).sync().channel();
        run.conns.add(ch.pipeline().get(Conn.class));
      }
      loop.execute(run::start);
      long totalNanos = config.warmup().plus(config.duration()).toNanos();
      return run.done.get(totalNanos + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** State of one run, owned by the event loop. */
  private final class Run {
    final EventLoop loop;
    final List<Conn> conns = new ArrayList<>();
    final CompletableFuture<Result> done = new CompletableFuture<>();
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final Histogram service = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final double nanosPerRequest = 1e9 / config.rate();
    long start;
    long measureFrom;
    long end;
    long issued;
    long sent;
    long completed;
    long errors;
    long non2xx;

    Run(EventLoop loop) {
      this.loop = loop;
    }

    void start() {
      start = System.nanoTime();
      measureFrom = start + config.warmup().toNanos();
      end = measureFrom + config.duration().toNanos();
      tick();
    }

    /** Issues every request that is due, then sleeps until the next one is. */
    void tick() {
      long now = System.nanoTime();
      while (true) {
        long intended = start + (long) (issued * nanosPerRequest);
        if (intended > now || intended >= end) break;
        conns.get((int) (issued % conns.size())).enqueue(intended);
        issued++;
      }
      long next = start + (long) (issued * nanosPerRequest);
      if (next < end) {
        loop.schedule(this::tick, next - now, TimeUnit.NANOSECONDS);
      } else {
        finishWhenIdle(now);
      }
    }

    void finishWhenIdle(long now) {
      boolean idle = conns.stream().allMatch(c -> c.queue.isEmpty() && c.inFlight < 0);
      if (idle || now > end + TimeUnit.SECONDS.toNanos(20)) {
        double seconds = (Math.min(now, end) - measureFrom) / 1e9;
        done.complete(new Result(sent, completed, errors, non2xx, latency, service, seconds));
        conns.forEach(c -> c.ctx.close());
      } else {
        loop.schedule(() -> finishWhenIdle(System.nanoTime()), 5, TimeUnit.MILLISECONDS);
      }
    }

    void record(long intended, long actual, long now, boolean ok, boolean is2xx) {
      if (intended < measureFrom) return;
      if (!ok) {
        errors++;
        return;
      }
      completed++;
      if (!is2xx) non2xx++;
      latency.recordValue(Math.max(0, (now - intended) / 1000));
      service.recordValue(Math.max(0, (now - actual) / 1000));
    }
  }

  /** One keep-alive connection: one request outstanding, the rest queued by intended time. */
  private final class Conn extends SimpleChannelInboundHandler<HttpObject> {
    final Run run;
    final ArrayDeque<Long> queue = new ArrayDeque<>();
    ChannelHandlerContext ctx;
    long inFlight = -1;
    long sentAt;
    boolean status2xx;

    Conn(Run run) {
      this.run = run;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    void enqueue(long intended) {
      queue.add(intended);
      if (inFlight < 0) sendNext();
    }

    void sendNext() {
      Long next = queue.poll();
      if (next == null) return;
      if (!ctx.channel().isActive()) {
        run.record(next, next, System.nanoTime(), false, false);
        sendNext();
        return;
      }
      inFlight = next;
      sentAt = System.nanoTime();
      if (next >= run.measureFrom) run.sent++;
      URI t = config.target();
      String path = t.getRawPath().isEmpty() ? "/" : t.getRawPath();
      if (t.getRawQuery() != null) path += "?" + t.getRawQuery();
      FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
      req.headers().set(HttpHeaderNames.HOST, config.hostHeader() != null ? config.hostHeader() : t.getAuthority());
      ctx.writeAndFlush(req, ctx.voidPromise());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpResponse r) {
        status2xx = r.status().code() / 100 == 2;
      }
      if (msg instanceof LastHttpContent && inFlight >= 0) {
        run.record(inFlight, sentAt, System.nanoTime(), true, status2xx);
        inFlight = -1;
        sendNext();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (inFlight >= 0) {
        run.record(inFlight, sentAt, System.nanoTime(), false, false);
        inFlight = -1;
      }
      // Everything still queued on this connection fails: the server closed it.
      while (!queue.isEmpty()) {
        long q = queue.poll();
        run.record(q, q, System.nanoTime(), false, false);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
