package io.minimesh.pilot.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minimesh.api.xds.v1.FilterChain;
import io.minimesh.api.xds.v1.HttpConnectionManager;
import io.minimesh.api.xds.v1.Listener;
import io.minimesh.api.xds.v1.NetworkFilter;
import io.minimesh.api.xds.v1.TcpProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshAccessLogTest {
  @TempDir Path dir;

  private MeshAccessLog read(String yaml) throws IOException {
    Path f = dir.resolve("mesh.yaml");
    Files.writeString(f, yaml);
    return MeshAccessLog.read(f);
  }

  private static Listener listener() {
    return Listener.newBuilder().setName("l")
        .addFilterChains(FilterChain.newBuilder().addFilters(NetworkFilter.newBuilder()
            .setHttpConnectionManager(HttpConnectionManager.newBuilder().setStatPrefix("h"))))
        .setDefaultFilterChain(FilterChain.newBuilder().addFilters(NetworkFilter.newBuilder()
            .setTcpProxy(TcpProxy.newBuilder().setStatPrefix("t").setCluster("PassthroughCluster"))))
        .build();
  }

  @Test
  void accessLogFileAddsIstiosDefaultFormatToEveryConnectionManagerAndTcpProxy() throws IOException {
    MeshAccessLog m = read("accessLogFile: /dev/stdout\ndefaultConfig: {discoveryAddress: pilot:15012}\n");
    Listener l = m.apply(List.of(listener())).get(0);
    var http = l.getFilterChains(0).getFilters(0).getHttpConnectionManager().getAccessLog(0);
    assertThat(http.getPath()).isEqualTo("/dev/stdout");
    assertThat(http.getFormat()).startsWith("[%START_TIME%] \"%REQ(:METHOD)%").endsWith("%ROUTE_NAME%\n");
    assertThat(l.getDefaultFilterChain().getFilters(0).getTcpProxy().getAccessLog(0)).isEqualTo(http);
  }

  @Test
  void jsonEncodingAndCustomFormat() throws IOException {
    MeshAccessLog json = read("accessLogFile: /tmp/a.log\naccessLogEncoding: JSON\n");
    var log = json.apply(List.of(listener())).get(0).getFilterChains(0).getFilters(0).getHttpConnectionManager().getAccessLog(0);
    assertThat(log.getJsonFormatMap()).containsEntry("upstream_cluster", "%UPSTREAM_CLUSTER%");

    MeshAccessLog text = read("accessLogFile: /tmp/a.log\naccessLogFormat: \"%RESPONSE_CODE%\"\n");
    assertThat(text.toProto().getFormat()).isEqualTo("%RESPONSE_CODE%\n");
  }

  @Test
  void offWithoutAFileAndBadEncodingIsAnError() throws IOException {
    List<Listener> ls = List.of(listener());
    assertThat(read("accessLogEncoding: TEXT\n").apply(ls)).isSameAs(ls);
    assertThat(MeshAccessLog.OFF.apply(ls)).isSameAs(ls);
    assertThatThrownBy(() -> read("accessLogFile: x\naccessLogEncoding: XML\n"))
        .hasMessageContaining("accessLogEncoding: must be TEXT or JSON, got \"XML\"");
  }
}
