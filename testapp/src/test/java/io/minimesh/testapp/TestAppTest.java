package io.minimesh.testapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.minimesh.testapp.proto.EchoGrpc;
import io.minimesh.testapp.proto.EchoRequest;
import io.minimesh.testapp.proto.EchoResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole test app on real sockets: both HTTP versions, all gRPC call shapes, TCP echo. */
class TestAppTest {

  private static TestApp app;
  private static ManagedChannel grpc;

  @BeforeAll
  static void start() throws Exception {
    app = TestApp.start(new TestApp.Config("unit", "127.0.0.1", 0, 0, 0));
    grpc = NettyChannelBuilder.forAddress("127.0.0.1", app.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    app.close();
  }

  @Test
  void servesHttp11AndH2cUpgradeOnOnePort() throws Exception {
    for (HttpClient.Version version : HttpClient.Version.values()) {
      HttpClient client = HttpClient.newBuilder().version(version).build();
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/headers"))
              .header("x-test", "1").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(version);
      assertThat(r.headers().firstValue("x-served-by")).hasValue("unit");
      assertThat(r.body()).contains("\"X-Test\" : \"1\"");
      HttpResponse<String> ip = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/ip")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ip.body()).as("origin over " + version).contains("\"origin\" : \"127.0.0.1\"");
    }
  }

  @Test
  void unaryEchoesMessageMetadataHeadersAndTrailers() {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("echo-color", Metadata.ASCII_STRING_MARSHALLER), "blue");
    md.put(Metadata.Key.of("echo-trailer-shape", Metadata.ASCII_STRING_MARSHALLER), "round");
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    EchoResponse r = EchoGrpc.newBlockingStub(grpc)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md),
            MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
        .echo(EchoRequest.newBuilder().setMessage("hi").build());
    assertThat(r.getMessage()).isEqualTo("hi");
    assertThat(r.getServedBy()).isEqualTo("unit");
    assertThat(r.getMetadataMap()).containsEntry("echo-color", "blue");
    assertThat(headers.get().get(Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("unit");
    assertThat(headers.get().get(Metadata.Key.of("echo-color", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("blue");
    assertThat(trailers.get().get(Metadata.Key.of("echo-trailer-shape", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("round");
  }

  @Test
  void unaryFailsWithTheRequestedStatus() {
    assertThatThrownBy(() -> EchoGrpc.newBlockingStub(grpc).echo(EchoRequest.newBuilder()
            .setStatusCode(Status.Code.UNAVAILABLE.value()).setStatusMessage("as asked").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).isEqualTo("as asked");
        });
  }

  @Test
  void serverStreamingSendsCountResponses() {
    Iterator<EchoResponse> it = EchoGrpc.newBlockingStub(grpc)
        .echoStream(EchoRequest.newBuilder().setMessage("s").setCount(3).setDelayMs(1).build());
    List<Integer> indexes = new ArrayList<>();
    it.forEachRemaining(r -> indexes.add(r.getIndex()));
    assertThat(indexes).containsExactly(0, 1, 2);
  }

  @Test
  void bidiAnswersEachRequest() throws Exception {
    CompletableFuture<List<String>> done = new CompletableFuture<>();
    List<String> got = new ArrayList<>();
    StreamObserver<EchoRequest> requests = EchoGrpc.newStub(grpc).echoBidi(new StreamObserver<>() {
      @Override
      public void onNext(EchoResponse value) {
        got.add(value.getIndex() + ":" + value.getMessage());
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(got);
      }
    });
    requests.onNext(EchoRequest.newBuilder().setMessage("a").build());
    requests.onNext(EchoRequest.newBuilder().setMessage("b").build());
    requests.onCompleted();
    assertThat(done.get(10, TimeUnit.SECONDS)).containsExactly("0:a", "1:b");
  }

  @Test
  void tcpEchoRoundTripsBytes() throws Exception {
    try (Socket s = new Socket("127.0.0.1", app.tcpPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("ping\n");
    }
  }
}
