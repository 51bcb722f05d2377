package io.minimesh.dataplane.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Live per-endpoint counters; kept across config updates for the same cluster and address. */
public final class HostStats {
  public final AtomicInteger rqActive = new AtomicInteger();
  public final LongAdder rqTotal = new LongAdder();
  public final LongAdder rqSuccess = new LongAdder();
  public final LongAdder rqError = new LongAdder();
  public final LongAdder rqTimeout = new LongAdder();
  public final AtomicInteger cxActive = new AtomicInteger();
  public final LongAdder cxTotal = new LongAdder();
  public final LongAdder cxConnectFail = new LongAdder();
}
