package io.minimesh.dataplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Use with
 * {@code @ExtendWith(LeakCheck.class)}; surefire installs {@link RecordingLeakDetector} and runs
 * with paranoid detection.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    collect();
    RecordingLeakDetector.LEAKS.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    collect();
    List<String> leaks = new ArrayList<>(RecordingLeakDetector.LEAKS);
    RecordingLeakDetector.LEAKS.clear();
    assertThat(leaks).as("Netty leak reports in " + context.getDisplayName()).isEmpty();
  }

  /** Leaks are reported when a later allocation polls the reference queue after GC. */
  static void collect() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      System.runFinalization();
      for (int j = 0; j < 64; j++) {
        ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        a.release();
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
        b.release();
        ByteBuf c = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
        c.release();
      }
    }
  }
}
