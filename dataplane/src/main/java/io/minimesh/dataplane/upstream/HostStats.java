package io.minimesh.dataplane.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live per-endpoint counters and health flags; kept across config updates for the same cluster and
 * address (so a host that stays keeps its outlier ejection and active health-check state).
 */
public final class HostStats {
  public final AtomicInteger rqActive = new AtomicInteger();
  public final LongAdder rqTotal = new LongAdder();
  public final LongAdder rqSuccess = new LongAdder();
  public final LongAdder rqError = new LongAdder();
  public final LongAdder rqTimeout = new LongAdder();
  public final AtomicInteger cxActive = new AtomicInteger();
  public final LongAdder cxTotal = new LongAdder();
  public final LongAdder cxConnectFail = new LongAdder();
  /** Times outlier detection ejected this host. */
  public final LongAdder ejections = new LongAdder();
  /** Ejected by outlier detection (Envoy's {@code /failed_outlier_check}); written by {@link ClusterHealth}. */
  public volatile boolean outlierEjected;
  /** Failing (or not yet passed) active health checks ({@code /failed_active_hc}). */
  public volatile boolean activeHcFailed;
  /** The last result reported to outlier detection was a failure (so the next success must be reported). */
  volatile boolean outlierDirty;
}
