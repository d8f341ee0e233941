// What the main thread and the extra worker threads say to each other (src/threads).
import type { MetricsSnapshot } from "@msr-webhooks/observability/metrics";

/** Main thread to a worker thread. */
export type ToThread = { type: "metrics"; id: number } | { type: "close"; graceMs: number };

/** A worker thread to the main thread. */
export type FromThread =
  | { type: "ready" }
  | { type: "metrics"; id: number; snapshot: MetricsSnapshot }
  /** Its workers stopped (clean: no job was left running when the grace period ended) and its connections are closed. */
  | { type: "closed"; clean: boolean };

/** What every worker thread is started with. */
export interface ThreadData {
  /** 1-based; the main thread is 0. For logs. */
  index: number;
}
