package io.minimesh.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class XxHash64Test {
  // Reference values from the C library (libxxhash 0.8, XXH64).
  @Test
  void matchesReferenceImplementation() {
    assertThat(XxHash64.hash("")).isEqualTo(0xef46db3751d8e999L);
    assertThat(XxHash64.hash("abc")).isEqualTo(0x44bc2cf5ad770999L);
    assertThat(XxHash64.hash("Nobody inspects the spammish repetition"))
        .isEqualTo(0xfbcea83c8a378bf1L);
    assertThat(XxHash64.hash("abcdefghijklmnopqrstuvwxyz0123456789", 1))
        .isEqualTo(0xa0bd7e482623de3bL);
    assertThat(XxHash64.hash("10.0.0.1:80_0")).isEqualTo(0x75041381e7371a08L);
  }
}
