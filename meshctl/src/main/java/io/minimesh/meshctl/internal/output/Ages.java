package io.minimesh.meshctl.internal.output;

import java.time.Duration;

/** kubectl's short ages: 12s, 5m3s, 42m, 3h10m, 20h, 2d4h, 9d. */
public final class Ages {
  public static String format(Duration d) {
    if (d.isNegative()) {
      d = Duration.ZERO; // clock skew between pilot and us: show "0s" rather than nonsense
    }
    long s = d.getSeconds();
    if (s < 120) return s + "s";
    long m = s / 60;
    if (m < 10) return m + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    long h = m / 60;
    if (h < 3) return m + "m";
    if (h < 8) return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
    long days = h / 24;
    if (h < 48) return h + "h";
    if (days < 8) return days + "d" + (h % 24 == 0 ? "" : (h % 24) + "h");
    return days + "d";
  }

  private Ages() {}
}
