package io.minimesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.minimesh.e2e.harness.HttpResult;
import io.minimesh.e2e.harness.HttpbinProcess;
import io.minimesh.e2e.harness.MeshProcesses;
import io.minimesh.e2e.harness.MeshTest;
import io.minimesh.e2e.harness.Prerequisite;
import io.minimesh.e2e.harness.Requires;
import io.minimesh.e2e.harness.TestAppProcess;
import io.minimesh.e2e.harness.Http;
import io.minimesh.testapp.proto.EchoGrpc;
import io.minimesh.testapp.proto.EchoRequest;
import io.minimesh.testapp.proto.EchoResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The harness starts both upstreams as real processes and each answers. */
@MeshTest
class SmokeTest {

  @Test
  @Requires(Prerequisite.HTTPBIN)
  void httpbinAnswersGet(MeshProcesses mesh) {
    HttpbinProcess httpbin = mesh.httpbin();
    HttpResult r = Http.get(httpbin.url("/get?x=1"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("args").get("x").asText()).isEqualTo("1");
  }

  @Test
  void testappAnswersHttpGrpcAndTcp(MeshProcesses mesh) throws Exception {
    TestAppProcess app = mesh.testapp("webapp");

    HttpResult headers = Http.get(app.url("/headers"), "x-smoke", "yes");
    assertThat(headers.status()).isEqualTo(200);
    assertThat(headers.header("x-served-by")).hasValue("webapp");
    assertThat(headers.json().get("headers").get("X-Smoke").asText()).isEqualTo("yes");

    HttpResult h2 = Http.h2cGet(app.url("/status/204"));
    assertThat(h2.status()).isEqualTo(204);
    assertThat(h2.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);

    ManagedChannel channel = NettyChannelBuilder.forTarget(app.grpcTarget()).usePlaintext().build();
    try {
      EchoResponse echo = EchoGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .echo(EchoRequest.newBuilder().setMessage("smoke").build());
      assertThat(echo.getMessage()).isEqualTo("smoke");
      assertThat(echo.getServedBy()).isEqualTo("webapp");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    try (Socket s = new Socket(app.host(), app.tcpPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("echo me".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("echo me");
    }
  }
}
