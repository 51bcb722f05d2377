package io.minimesh.dataplane.http.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.minimesh.api.xds.v1.FaultPolicy;
import io.minimesh.dataplane.config.InvalidConfigException;
import io.minimesh.dataplane.filter.StructReader;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FaultConfigTest {
  static FaultConfig envoy(String json) throws Exception {
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(json, b);
    return FaultConfig.fromEnvoy(new StructReader(b.build(), "fault"));
  }

  @Test
  void envoyPercentagesAndDurations() throws Exception {
    FaultConfig f = envoy("""
        {"delay": {"fixed_delay": "1.5s", "percentage": {"numerator": 25, "denominator": "TEN_THOUSAND"}},
         "abort": {"grpc_status": 14, "percentage": {"numerator": 50}}}""");
    assertThat(f.delayMs()).isEqualTo(1500);
    assertThat(f.delayPercent()).isEqualTo(0.25);
    assertThat(f.grpcStatus()).isEqualTo(14);
    assertThat(f.httpStatus()).isZero();
    assertThat(f.abortPercent()).isEqualTo(50);
  }

  @Test
  void envoyAbsentPercentageIsZeroAsInEnvoy() throws Exception {
    assertThat(envoy("{\"abort\": {\"http_status\": 503}}").hasAbort()).isFalse();
  }

  @Test
  void abortRateFollowsThePercentage() throws Exception {
    FaultConfig f = envoy("{\"abort\": {\"http_status\": 503, \"percentage\": {\"numerator\": 300000, \"denominator\": \"MILLION\"}}}");
    SplittableRandom r = new SplittableRandom(7);
    int aborted = 0;
    for (int i = 0; i < 100_000; i++) if (f.rollAbort(r)) aborted++;
    assertThat(aborted).isBetween(29_000, 31_000);
  }

  @Test
  void protoAbsentPercentageIsAll() throws Exception {
    FaultConfig f = FaultConfig.fromProto(FaultPolicy.newBuilder()
        .setAbort(FaultPolicy.Abort.newBuilder().setHttpStatus(418)).build(), "route.fault");
    assertThat(f.abortPercent()).isEqualTo(100);
    assertThat(f.rollAbort(new SplittableRandom(1))).isTrue();
  }

  @Test
  void badValuesNameTheField() {
    assertThatThrownBy(() -> envoy("{\"abort\": {\"http_status\": 99, \"percentage\": {\"numerator\": 1}}}"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("fault.abort.http_status: must be in [200, 599], got 99");
    assertThatThrownBy(() -> envoy("{\"delay\": {\"percentage\": {\"numerator\": 1}}}"))
        .hasMessage("fault.delay.fixed_delay: required");
    assertThatThrownBy(() -> envoy("{\"abort\": {\"http_status\": 500, \"grpc_status\": 14}}"))
        .hasMessageContaining("exactly one of http_status or grpc_status");
    assertThatThrownBy(() -> envoy("{\"delay\": {\"fixed_delay\": \"1s\", \"percentage\": {\"numerator\": 1, \"denominator\": \"THOUSAND\"}}}"))
        .hasMessageContaining("fault.delay.percentage.denominator: unknown value \"THOUSAND\"");
    assertThatThrownBy(() -> FaultConfig.fromProto(FaultPolicy.newBuilder()
            .setAbort(FaultPolicy.Abort.newBuilder().setHttpStatus(503)
                .setPercentage(io.minimesh.api.xds.v1.Percent.newBuilder().setValue(150))).build(), "r.fault"))
        .hasMessage("r.fault.abort.percentage: must be in [0, 100], got 150.0");
  }
}
