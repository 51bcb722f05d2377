package io.minimesh.dataplane.upstream.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import io.minimesh.api.xds.v1.OutlierDetection;
import io.minimesh.dataplane.upstream.outlier.OutlierDetector.EjectionType;
import io.minimesh.dataplane.upstream.outlier.OutlierDetector.LocalOriginFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  static final String A = new String("a");
  static final String B = new String("b");
  static final String C = new String("c");

  long now;
  final List<String> events = new ArrayList<>();

  OutlierDetector<String> detector(OutlierDetection config) {
    OutlierDetector<String> d = new OutlierDetector<>(config, () -> now, new SplittableRandom(1),
        (host, ejected, type) -> events.add((ejected ? "eject " : "return ") + host
            + (type == null ? "" : " " + type.statName())));
    d.updateHosts(List.of(A, B, C));
    return d;
  }

  static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  void advanceSeconds(long s) {
    now += TimeUnit.SECONDS.toNanos(s);
  }

  static void statuses(OutlierDetector<String> d, String host, int... codes) {
    for (int c : codes) {
      d.reportHttpStatus(host, c);
    }
  }

  @Test
  void fiveConsecutive5xxEjectAtOnceWithEnvoyDefaults() {
    OutlierDetector<String> d = detector(OutlierDetection.getDefaultInstance());
    statuses(d, A, 500, 500, 500, 500);
    assertThat(d.isEjected(A)).isFalse();
    d.reportHttpStatus(A, 500);
    assertThat(d.isEjected(A)).isTrue();
    assertThat(events).containsExactly("eject a consecutive_5xx");
    assertThat(d.ejectionsActive()).isEqualTo(1);
    assertThat(d.ejectionsEnforcedTotal()).isEqualTo(1);
    assertThat(d.ejectionsEnforced(EjectionType.CONSECUTIVE_5XX)).isEqualTo(1);
    assertThat(d.interval()).isEqualTo(java.time.Duration.ofSeconds(10));
  }

  @Test
  void aSuccessResetsTheCount() {
    OutlierDetector<String> d = detector(OutlierDetection.getDefaultInstance());
    statuses(d, A, 500, 500, 500, 500, 200, 500, 500, 500, 500, 404);
    assertThat(d.isEjected(A)).isFalse();
    assertThat(events).isEmpty();
  }

  @Test
  void hostReturnsAfterBaseEjectionTimeOnAnIntervalTick() {
    OutlierDetector<String> d = detector(OutlierDetection.newBuilder()
        .setConsecutive5Xx(3).setInterval(seconds(1)).setBaseEjectionTime(seconds(30)).build());
    statuses(d, A, 500, 500, 500);
    advanceSeconds(29);
    d.onInterval();
    assertThat(d.isEjected(A)).isTrue();
    advanceSeconds(1);
    d.onInterval();
    assertThat(d.isEjected(A)).isFalse();
    assertThat(events).containsExactly("eject a consecutive_5xx", "return a");
    assertThat(d.ejectionsActive()).isZero();
    // Counters were reset on return: two more errors do not eject again.
    statuses(d, A, 500, 500);
    assertThat(d.isEjected(A)).isFalse();
  }

  @Test
  void repeatedEjectionsLastLongerAndAreForgivenOverTime() {
    OutlierDetector<String> d = detector(OutlierDetection.newBuilder()
        .setConsecutive5Xx(1).setInterval(seconds(10)).setBaseEjectionTime(seconds(30)).build());
    d.reportHttpStatus(A, 503);
    advanceSeconds(30);
    d.onInterval();
    assertThat(d.isEjected(A)).isFalse();
    d.reportHttpStatus(A, 503); // second ejection: 2 × 30 s
    advanceSeconds(30);
    d.onInterval();
    assertThat(d.isEjected(A)).isTrue();
    advanceSeconds(30);
    d.onInterval();
    assertThat(d.isEjected(A)).isFalse();
    assertThat(d.ejectionCount(A)).isEqualTo(2);
    // Two healthy intervals forgive both ejections: the next one is 30 s again.
    advanceSeconds(10);
    d.onInterval();
    advanceSeconds(10);
    d.onInterval();
    d.reportHttpStatus(A, 500);
    advanceSeconds(30);
    d.onInterval();
    assertThat(d.isEjected(A)).isFalse();
  }

  @Test
  void maxEjectionPercentLimitsEjectionsButOneHostCanAlwaysGo() {
    OutlierDetector<String> d = detector(OutlierDetection.newBuilder().setConsecutive5Xx(1)
        .build()); // default max_ejection_percent 10 of 3 hosts
    d.reportHttpStatus(A, 500);
    d.reportHttpStatus(B, 500);
    assertThat(d.isEjected(A)).isTrue();
    assertThat(d.isEjected(B)).isFalse();
    assertThat(d.ejectionsOverflow()).isEqualTo(1);

    OutlierDetector<String> all = detector(OutlierDetection.newBuilder().setConsecutive5Xx(1)
        .setMaxEjectionPercent(100).build());
    statuses(all, A, 500);
    statuses(all, B, 500);
    statuses(all, C, 500);
    assertThat(all.ejectionsActive()).isEqualTo(3);
  }

  @Test
  void gatewayFailuresAreCountedButOnlyEjectWhenEnforced() {
    OutlierDetector<String> counted = detector(OutlierDetection.newBuilder()
        .setConsecutive5Xx(100).setConsecutiveGatewayFailure(3).build());
    statuses(counted, A, 502, 503, 504);
    assertThat(counted.isEjected(A)).isFalse();
    assertThat(counted.ejectionsDetected(EjectionType.CONSECUTIVE_GATEWAY_FAILURE)).isEqualTo(1);

    OutlierDetector<String> d = detector(OutlierDetection.newBuilder().setConsecutive5Xx(100)
        .setConsecutiveGatewayFailure(3).setEnforcingConsecutiveGatewayFailure(100).build());
    statuses(d, A, 502, 502, 500, 502);
    assertThat(d.isEjected(A)).isFalse(); // a 500 is not a gateway error: the streak restarts
    statuses(d, A, 503, 504);
    assertThat(d.isEjected(A)).isTrue();
    assertThat(events).contains("eject a consecutive_gateway_failure");
  }

  @Test
  void enforcingZeroDetectsWithoutEjecting() {
    OutlierDetector<String> d = detector(OutlierDetection.newBuilder().setConsecutive5Xx(2)
        .setEnforcingConsecutive5Xx(0).build());
    statuses(d, A, 500, 500);
    assertThat(d.isEjected(A)).isFalse();
    assertThat(d.ejectionsDetected(EjectionType.CONSECUTIVE_5XX)).isEqualTo(1);
  }

  @Test
  void localOriginFailuresCountAsGatewayErrorsUnlessSplit() {
    OutlierDetector<String> d = detector(OutlierDetection.newBuilder().setConsecutive5Xx(3)
        .build());
    d.reportLocalOriginFailure(A, LocalOriginFailure.CONNECT_FAILED);
    d.reportLocalOriginFailure(A, LocalOriginFailure.TIMEOUT);
    d.reportLocalOriginFailure(A, LocalOriginFailure.RESET);
    assertThat(d.isEjected(A)).isTrue();

    OutlierDetector<String> s = detector(OutlierDetection.newBuilder().setConsecutive5Xx(3)
        .setSplitExternalLocalOriginErrors(true).setConsecutiveLocalOriginFailure(2).build());
    s.reportLocalOriginFailure(A, LocalOriginFailure.CONNECT_FAILED);
    s.reportLocalOriginSuccess(A);
    s.reportLocalOriginFailure(A, LocalOriginFailure.CONNECT_FAILED);
    statuses(s, A, 500, 500); // responses and local failures are separate streaks
    assertThat(s.isEjected(A)).isFalse();
    s.reportLocalOriginFailure(A, LocalOriginFailure.TIMEOUT);
    assertThat(s.isEjected(A)).isTrue();
    assertThat(s.ejectionsEnforced(EjectionType.CONSECUTIVE_LOCAL_ORIGIN_FAILURE)).isEqualTo(1);
  }

  @Test
  void removedHostsAreForgotten() {
    OutlierDetector<String> d = detector(OutlierDetection.newBuilder().setConsecutive5Xx(1)
        .build());
    d.reportHttpStatus(A, 500);
    assertThat(d.ejectionsActive()).isEqualTo(1);
    d.updateHosts(List.of(B, C));
    assertThat(d.ejectionsActive()).isZero();
    assertThat(d.isEjected(A)).isFalse();
    d.reportHttpStatus(A, 500); // a late result for a removed host is ignored
    assertThat(d.ejectionsActive()).isZero();
  }
}
