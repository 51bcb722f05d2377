package io.minimesh.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a ByteBuf leak while (or just after) it ran. Every module
 * that has this module as a test dependency runs it around every test class: it is registered in
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and the root pom turns on
 * JUnit's extension auto-detection. Works at any leak detection level; the build sets
 * {@code paranoid}.
 *
 * <p>How: a listener on the ByteBuf leak detector collects reports; after the class, garbage is
 * collected and a few buffers are allocated so the detector drains its reference queue.
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {

  private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
  private static volatile boolean installed;

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
    LEAKS.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> leaks = collect();
    if (!leaks.isEmpty()) {
      throw new AssertionError("Netty reported " + leaks.size() + " leak(s) during "
          + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
    }
  }

  /** Hooks the listener into the ByteBuf leak detector (once per JVM). */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    detector().setLeakListener((resourceType, records) -> LEAKS.add("LEAK of " + resourceType + records));
    installed = true;
  }

  /** Runs GC and allocation until the detector has looked at every collected buffer; returns reports. */
  public static List<String> collect() {
    if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.DISABLED) {
      for (int i = 0; i < 3; i++) {
        System.gc();
        for (ByteBufAllocator alloc : List.of(PooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT)) {
          for (int j = 0; j < 64; j++) {
            ByteBuf b = alloc.buffer(1);
            b.release();
          }
        }
        Unpooled.buffer(1).release();
      }
    }
    List<String> out = new ArrayList<>();
    for (String s; (s = LEAKS.poll()) != null; ) {
      out.add(s);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static ResourceLeakDetector<ByteBuf> detector() {
    try {
      // One detector tracks every ByteBuf; Netty keeps it package-private in AbstractByteBuf.
      Field f = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
      f.setAccessible(true);
      return (ResourceLeakDetector<ByteBuf>) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot hook Netty's ByteBuf leak detector", e);
    }
  }
}
