package io.minimesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak check sees a buffer that was dropped without release (and drains it, so this class passes). */
class NettyLeakCheckTest {

  @Test
  void aBufferDroppedWithoutReleaseIsReported() {
    assumeTrue(ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID,
        "needs -Dio.netty.leakDetection.level=paranoid (the build sets it)");
    NettyLeakCheck.install();
    leakOne();
    List<String> reports = new ArrayList<>();
    await("the leak to be reported").atMost(Duration.ofSeconds(20)).until(() -> {
      reports.addAll(NettyLeakCheck.collect());
      return !reports.isEmpty();
    });
    assertThat(reports).anySatisfy(r -> assertThat(r).startsWith("LEAK of ByteBuf").contains("leakOne"));
  }

  private static void leakOne() {
    // Pooled (and direct) buffers are tracked; unpooled heap buffers are left to the GC by Netty.
    ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(16);
    leaked.writeInt(42); // recorded access: the report shows this method
  }
}
