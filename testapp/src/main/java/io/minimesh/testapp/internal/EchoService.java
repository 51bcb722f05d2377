package io.minimesh.testapp.internal;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.minimesh.testapp.proto.EchoGrpc;
import io.minimesh.testapp.proto.EchoRequest;
import io.minimesh.testapp.proto.EchoResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code minimesh.testapp.Echo}. Request metadata comes back in the response message; metadata keys
 * starting with {@code echo-trailer-} come back as trailers, other {@code echo-} keys as response
 * headers, and every response carries {@code x-served-by}.
 */
public final class EchoService extends EchoGrpc.EchoImplBase {

  static final long MAX_DELAY_MS = 10_000;
  static final Context.Key<Metadata> REQUEST_METADATA = Context.key("request-metadata");
  static final Metadata.Key<String> SERVED_BY = Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER);

  private final String name;
  private final ScheduledExecutorService timer;

  public EchoService(String name, ScheduledExecutorService timer) {
    this.name = name;
    this.timer = timer;
  }

  @Override
  public void echo(EchoRequest request, StreamObserver<EchoResponse> out) {
    Map<String, String> metadata = metadata();
    later(request, () -> {
      if (failed(request, out)) {
        return;
      }
      out.onNext(response(request, metadata, 0));
      out.onCompleted();
    });
  }

  @Override
  public void echoStream(EchoRequest request, StreamObserver<EchoResponse> out) {
    Map<String, String> metadata = metadata();
    int count = Math.max(1, request.getCount());
    sendStream(request, metadata, (ServerCallStreamObserver<EchoResponse>) out, 0, count);
  }

  private void sendStream(EchoRequest request, Map<String, String> metadata, ServerCallStreamObserver<EchoResponse> out,
      int index, int count) {
    later(request, () -> {
      if (out.isCancelled()) {
        return;
      }
      if (index == count) {
        if (!failed(request, out)) {
          out.onCompleted();
        }
        return;
      }
      out.onNext(response(request, metadata, index));
      sendStream(request, metadata, out, index + 1, count);
    });
  }

  @Override
  public StreamObserver<EchoRequest> echoBidi(StreamObserver<EchoResponse> out) {
    Map<String, String> metadata = metadata();
    return new StreamObserver<>() {
      private int index;
      private boolean done;

      @Override
      public void onNext(EchoRequest request) {
        if (done) {
          return;
        }
        if (failed(request, out)) {
          done = true;
          return;
        }
        out.onNext(response(request, metadata, index++));
      }

      @Override
      public void onError(Throwable t) {
        done = true;
      }

      @Override
      public void onCompleted() {
        if (!done) {
          done = true;
          out.onCompleted();
        }
      }
    };
  }

  private void later(EchoRequest request, Runnable action) {
    long delay = Math.min(Math.max(request.getDelayMs(), 0), MAX_DELAY_MS);
    if (delay == 0) {
      action.run();
    } else {
      Context context = Context.current();
      timer.schedule(context.wrap(action), delay, TimeUnit.MILLISECONDS);
    }
  }

  private static boolean failed(EchoRequest request, StreamObserver<EchoResponse> out) {
    if (request.getStatusCode() == 0) {
      return false;
    }
    out.onError(Status.fromCodeValue(request.getStatusCode())
        .withDescription(request.getStatusMessage().isEmpty() ? null : request.getStatusMessage())
        .asRuntimeException());
    return true;
  }

  private EchoResponse response(EchoRequest request, Map<String, String> metadata, int index) {
    return EchoResponse.newBuilder()
        .setMessage(request.getMessage())
        .setServedBy(name)
        .putAllMetadata(metadata)
        .setIndex(index)
        .build();
  }

  private static Map<String, String> metadata() {
    Metadata headers = REQUEST_METADATA.get();
    Map<String, String> out = new TreeMap<>();
    if (headers != null) {
      for (String key : headers.keys()) {
        if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          continue;
        }
        Iterable<String> values = headers.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        if (values != null) {
          out.put(key, String.join(",", values));
        }
      }
    }
    return out;
  }

  /** Captures request metadata for the service and echoes {@code echo-*} keys as headers/trailers. */
  public static ServerInterceptor metadataInterceptor(String name) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        ServerCall<Q, R> echoing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(SERVED_BY, name);
            copy(headers, responseHeaders, false);
            super.sendHeaders(responseHeaders);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            copy(headers, trailers, true);
            super.close(status, trailers);
          }
        };
        return Contexts.interceptCall(Context.current().withValue(REQUEST_METADATA, headers), echoing, headers, next);
      }
    };
  }

  private static void copy(Metadata from, Metadata to, boolean trailers) {
    for (String key : from.keys()) {
      if (!key.startsWith("echo-") || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        continue;
      }
      if (key.startsWith("echo-trailer-") != trailers) {
        continue;
      }
      Metadata.Key<String> k = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
      Iterable<String> values = from.getAll(k);
      if (values != null) {
        values.forEach(v -> to.put(k, v));
      }
    }
  }
}
